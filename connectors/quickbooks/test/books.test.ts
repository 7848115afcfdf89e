import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CDC_LOOKBACK_MS, cdcStart, quickbooks } from '../src/index.ts';
import { invoice } from './documents.ts';
import { cloudEvent, cloudEventsDelivery, fakeQuickBooks } from './fakes/index.ts';
import { actionContext, connectionTo, newRealmId } from './harness.ts';

const fake = fakeQuickBooks();
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const books = quickbooks.books!;
const signal = new AbortController().signal;
const bodyOf = (text: string) => ({
  headers: {},
  body: new Uint8Array(Buffer.from(text)),
  contentType: 'application/json',
  receivedAt: new Date(),
});

/** A company with one invoice of 39.39 on terms, posted by the connector. */
async function billed(number = 'INV-1') {
  const realm = newRealmId();
  const connection = connectionTo(fake, realm);
  const posted = await quickbooks.actions!.postDocument!(actionContext(connection), {
    document: invoice(`sale:${number}`, { number, customer: { ref: '58', name: 'Shopify customer' } }),
  });
  return { realm, connection, invoiceId: posted.externalId };
}

describe('invoicesOf', () => {
  it('follows a payment recorded in QuickBooks to the invoice it pays: open, then paid', async () => {
    const { realm, connection, invoiceId } = await billed();
    const part = fake.recordPayment({ realm, invoiceId, amount: 1000 });
    const [change] = books.changes(bodyOf(part.body));
    expect(change).toMatchObject({
      account: realm,
      entity: 'payment',
      id: part.paymentId,
      operation: 'created',
    });
    expect(await books.invoicesOf(connection, change!, signal)).toEqual([
      { invoice: invoiceId, status: 'open', balance: 2939, currency: 'USD', at: expect.any(String) },
    ]);
    const rest = fake.recordPayment({ realm, invoiceId });
    expect(await books.invoicesOf(connection, books.changes(bodyOf(rest.body))[0]!, signal)).toMatchObject([
      { invoice: invoiceId, status: 'paid', balance: 0, currency: 'USD' },
    ]);
  });

  it('signs the delivery as Intuit does, so the hub’s webhook accepts it', async () => {
    const { realm, connection, invoiceId } = await billed();
    const delivery = fake.recordPayment({ realm, invoiceId });
    const verdict = quickbooks.webhook!.verify(
      {
        method: 'POST',
        path: '/webhooks/qbo',
        headers: delivery.headers,
        body: new Uint8Array(Buffer.from(delivery.body)),
        contentType: 'application/json',
        receivedAt: new Date(),
      },
      connection,
    );
    expect(verdict).toEqual({ ok: true });
  });

  it('reads an invoice change as the invoice; voided and deleted invoices owe nothing', async () => {
    const { realm, connection, invoiceId } = await billed();
    const change = { eventId: 'e1', account: realm, entity: 'invoice', id: invoiceId, operation: 'updated' };
    expect(await books.invoicesOf(connection, change, signal)).toMatchObject([
      { invoice: invoiceId, status: 'open', balance: 3939 },
    ]);
    fake.void('Invoice', realm, invoiceId);
    expect(await books.invoicesOf(connection, { ...change, operation: 'voided' }, signal)).toMatchObject([
      { invoice: invoiceId, status: 'voided', balance: 0 },
    ]);
    fake.remove('Invoice', realm, invoiceId);
    expect(await books.invoicesOf(connection, { ...change, operation: 'deleted' }, signal)).toEqual([
      { invoice: invoiceId, status: 'voided', balance: 0, currency: 'USD' },
    ]);
    expect(await books.invoicesOf(connection, change, signal)).toEqual([
      { invoice: invoiceId, status: 'voided', balance: 0, currency: 'USD' },
    ]);
  });

  it('reads nothing for another company, another entity, or a deleted payment', async () => {
    const { realm, connection } = await billed();
    const calls = fake.calls.length;
    const change = { eventId: 'e', account: realm, entity: 'payment', id: '1', operation: 'created' };
    expect(await books.invoicesOf(connection, { ...change, account: 'another-company' }, signal)).toEqual([]);
    expect(await books.invoicesOf(connection, { ...change, entity: 'customer' }, signal)).toEqual([]);
    expect(await books.invoicesOf(connection, { ...change, operation: 'deleted' }, signal)).toEqual([]);
    expect(fake.calls.length).toBe(calls);
  });

  it('reads the changes of one company out of a delivery for several', async () => {
    const { realm, connection, invoiceId } = await billed();
    const delivery = cloudEventsDelivery(
      [
        cloudEvent({ realm: 'other-realm', entity: 'invoice', id: invoiceId, operation: 'updated' }),
        cloudEvent({ realm, entity: 'invoice', id: invoiceId, operation: 'updated' }),
      ],
      fake.verifierToken,
    );
    const states = [];
    for (const change of books.changes(bodyOf(delivery.body)))
      states.push(...(await books.invoicesOf(connection, change, signal)));
    expect(states).toMatchObject([{ invoice: invoiceId, status: 'open' }]);
  });
});

describe('invoicesChangedSince', () => {
  it('reads change data capture once: invoices paid, open and deleted', async () => {
    const { realm, connection, invoiceId: paid } = await billed('INV-A');
    const open = (
      await quickbooks.actions!.postDocument!(actionContext(connection), {
        document: invoice('sale:INV-B', {
          number: 'INV-B',
          customer: { ref: '58', name: 'Shopify customer' },
        }),
      })
    ).externalId;
    const gone = (
      await quickbooks.actions!.postDocument!(actionContext(connection), {
        document: invoice('sale:INV-C', {
          number: 'INV-C',
          customer: { ref: '58', name: 'Shopify customer' },
        }),
      })
    ).externalId;
    fake.recordPayment({ realm, invoiceId: paid });
    fake.remove('Invoice', realm, gone);
    const before = fake.calls.filter((c) => c.realm === realm).length;
    const states = await books.invoicesChangedSince(connection, new Date(Date.now() - 3_600_000), signal);
    expect(
      fake.calls
        .filter((c) => c.realm === realm)
        .slice(before)
        .map((c) => c.resource),
    ).toEqual(['cdc']);
    expect(states).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ invoice: paid, status: 'paid', balance: 0 }),
        expect.objectContaining({ invoice: open, status: 'open', balance: 3939 }),
        expect.objectContaining({ invoice: gone, status: 'voided', balance: 0 }),
      ]),
    );
    expect(states).toHaveLength(3);
  });

  it('reads no further back than QuickBooks keeps (30 days), however old `since` is', async () => {
    const { realm, connection } = await billed();
    const now = new Date();
    await books.invoicesChangedSince(
      { ...connection, now: () => now },
      new Date(now.getTime() - 45 * 86_400_000),
      signal,
    );
    const cdc = fake.calls.filter((c) => c.realm === realm && c.resource === 'cdc').at(-1)!;
    expect(cdc.status).toBe(200);
    expect(cdcStart(new Date(0), now)).toEqual({
      from: new Date(now.getTime() - CDC_LOOKBACK_MS + 60_000),
      clamped: true,
    });
    const recent = new Date(now.getTime() - 86_400_000);
    expect(cdcStart(recent, now)).toEqual({ from: recent, clamped: false });
  });
});
