import { mediaType } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forgetContacts } from '../src/contacts.ts';
import { xero } from '../src/index.ts';
import { invoice } from './documents.ts';
import type { FakeXero } from './fakes/index.ts';
import { actionContext, freshFake, grantOn, post } from './support.ts';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

let fake: FakeXero;
let access: ReturnType<typeof grantOn>;
beforeEach(() => {
  fake = freshFake();
  server.resetHandlers(...fake.handlers);
  access = grantOn(fake);
  forgetContacts();
});
const books = xero.books!;
const signal = () => AbortSignal.timeout(10_000);
const context = () => actionContext(fake, access);
/** A delivery as the hub stores it (after verifying it). */
const stored = (delivery: { body: string; headers: Record<string, string> }) => ({
  headers: delivery.headers,
  body: new Uint8Array(Buffer.from(delivery.body)),
  contentType: mediaType(delivery.headers['content-type']),
  receivedAt: new Date(),
});

describe('books: invoices paid in Xero', () => {
  it('reads the invoice a payment webhook names: paid, nothing left', async () => {
    const posted = await post(context(), invoice('sale:ord_500'));
    const delivery = fake.recordPayment({ invoiceId: posted.externalId, amount: 43.68 });
    expect(
      xero.webhook!.verify({ ...stored(delivery), method: 'POST', path: '/webhooks/x' }, context()),
    ).toEqual({ ok: true });
    const [change] = books.changes(stored(delivery));
    expect(change).toMatchObject({
      entity: 'invoice',
      id: posted.externalId,
      account: fake.tenants[0]!.tenantId,
    });
    expect(await books.invoicesOf(context(), change!, signal())).toEqual([
      { invoice: posted.externalId, status: 'paid', balance: 0, currency: 'USD', at: expect.any(String) },
    ]);
  });

  it('tells a part payment as open with its balance, a voided invoice as voided', async () => {
    const posted = await post(context(), invoice('sale:ord_501'));
    const [change] = books.changes(stored(fake.recordPayment({ invoiceId: posted.externalId, amount: 20 })));
    expect(await books.invoicesOf(context(), change!, signal())).toMatchObject([
      { status: 'open', balance: 2368 },
    ]);
    const stored1 = fake.ledger(fake.tenants[0]!.tenantId).docs.invoices.get(posted.externalId)!;
    stored1.Status = 'VOIDED';
    expect(await books.invoicesOf(context(), change!, signal())).toMatchObject([{ status: 'voided' }]);
  });

  it('reads nothing for other categories, other organisations, or an invoice Xero no longer has', async () => {
    const creditNote = fake.webhook([fake.event('CREDITNOTE', crypto.randomUUID(), 'CREATE')]);
    const [credit] = books.changes(stored(creditNote));
    const gone = books.changes(stored(fake.webhook([fake.event('INVOICE', crypto.randomUUID())])))[0]!;
    const elsewhere = { ...gone, account: crypto.randomUUID() };
    expect(await books.invoicesOf(context(), credit!, signal())).toEqual([]);
    expect(await books.invoicesOf(context(), elsewhere, signal())).toEqual([]);
    expect(await books.invoicesOf(context(), gone, signal())).toEqual([]);
    // One read only: the invoice not found (404).
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /Invoices/${gone.id} 404`,
    ]);
  });
});

describe('books: invoices changed since', () => {
  it('asks with If-Modified-Since for ACCREC invoices, 100 a page, to the last page', async () => {
    const ledger = fake.ledger(fake.tenants[0]!.tenantId);
    const contact = fake.addContact('Northwind Camping Co.');
    const before = Date.now();
    for (let i = 0; i < 130; i++) {
      ledger.document('invoices', {
        Type: 'ACCREC',
        Contact: { ContactID: contact },
        LineItems: [{ Description: 'Tent', Quantity: 1, UnitAmount: 100, AccountCode: '4000' }],
        Date: '2026-12-01',
        Status: 'AUTHORISED',
        CurrencyCode: 'USD',
      });
    }
    const since = new Date(before - 1000);
    const states = await books.invoicesChangedSince(context(), since, signal());
    expect(states).toHaveLength(130);
    expect(states[0]).toMatchObject({ status: 'open', balance: 10_000, currency: 'USD' });
    expect(
      fake.requests.map((r) => [r.query.page, r.query.pageSize, r.query.where, r.ifModifiedSince]),
    ).toEqual([
      ['1', '100', 'Type=="ACCREC"', since.toISOString()],
      ['2', '100', 'Type=="ACCREC"', since.toISOString()],
    ]);
    // Nothing changed since now: one read, nothing.
    expect(await books.invoicesChangedSince(context(), new Date(Date.now() + 1000), signal())).toEqual([]);
  });
});
