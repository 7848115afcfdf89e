import { PermanentError } from '@switchyard/core';
import { requireGolden } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyKeyOf } from '../src/amounts.ts';
import { forgetContacts } from '../src/contacts.ts';
import { fee, invoice, journal, payment, refund, sale } from './documents.ts';
import type { FakeXero } from './fakes/index.ts';
import { actionContext, freshFake, grantOn, post, stableIds } from './support.ts';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

let fake: FakeXero;
let access: ReturnType<typeof grantOn>;
beforeEach(() => {
  fake = freshFake({ taxRates: { TAX001: 0.0825 } });
  server.resetHandlers(...fake.handlers);
  access = grantOn(fake);
  forgetContacts();
  fake.addContact('Shopify customer');
});

/** The creates the fake was sent (method, path, Idempotency-Key, body), ids made stable for a golden. */
const creates = () =>
  stableIds(
    fake.requests
      .filter((r) => r.method !== 'GET')
      .map((r) => ({
        method: r.method,
        path: r.path,
        query: r.query,
        headers: { 'xero-tenant-id': r.tenant, 'Idempotency-Key': r.idempotencyKey },
        body: r.body,
      })),
  );
const golden = async (name: string) => {
  const file = `${import.meta.dirname}/golden/requests/${name}.json`;
  requireGolden(file);
  await expect(`${JSON.stringify(creates(), null, 2)}\n`).toMatchFileSnapshot(file);
};
/** The mapping names the customer: its ContactID is the one in the books. */
const withContact = (doc: ReturnType<typeof sale>) => ({
  ...doc,
  customer: { ref: fake.documents('contacts')[0]!.ContactID as string, name: 'Shopify customer' },
});

describe('postDocument: what Xero is sent, per kind (golden request bodies)', () => {
  it('sales-receipt: an authorised ACCREC invoice, then a payment of what it leaves due', async () => {
    const posted = await post(
      actionContext(fake, access, 'wf_sale_1:books'),
      withContact(sale('sale:ord_1042')),
    );
    expect(posted).toEqual({ externalId: expect.any(String), number: 'SH-1042', total: 4368, tax: 333 });
    const [inv] = fake.documents('invoices');
    expect(inv).toMatchObject({ Status: 'PAID', AmountDue: 0, Reference: 'sale:ord_1042', Total: 43.68 });
    await golden('sales-receipt');
  });

  it('invoice: a buyer found by name or created once, an ACCREC invoice due on its terms', async () => {
    const posted = await post(actionContext(fake, access, 'wf_b2b_7:books'), invoice('sale:ord_2001'));
    expect(posted.total).toBe(4368);
    expect(fake.documents('contacts').map((c) => c.Name)).toContain('Northwind Camping Co.');
    expect(fake.documents('invoices')[0]).toMatchObject({ Status: 'AUTHORISED', AmountDue: 43.68 });
    // The next posting for the same buyer reuses the contact: no lookup, no creation.
    const before = fake.requests.length;
    await post(actionContext(fake, access), invoice('sale:ord_2002'));
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /Invoices',
      'PUT /Invoices',
    ]);
    await golden('invoice');
  });

  it('payment: against an invoice posted earlier', async () => {
    const sold = await post(actionContext(fake, access), invoice('sale:ord_2003'));
    fake.requests.length = 0;
    const paid = await post(
      actionContext(fake, access, 'wf_pay_1:books'),
      payment('payment:ord_2003:1', sold.externalId, 4368),
    );
    expect(paid).toEqual({ externalId: expect.any(String), total: 4368, tax: 0 });
    expect(fake.documents('invoices')[0]).toMatchObject({ Status: 'PAID', AmountDue: 0 });
    await golden('payment');
  });

  it('refund of a sale paid at once: an ACCRECCREDIT credit note, paid out of the clearing account', async () => {
    const sold = await post(actionContext(fake, access), withContact(sale('sale:ord_1050')));
    fake.requests.length = 0;
    const refunded = await post(
      actionContext(fake, access, 'wf_rf_1:books'),
      refund('refund:ord_1050:rf_1', sold.externalId),
    );
    expect(refunded).toMatchObject({ total: 1949, tax: 149 });
    expect(fake.documents('creditNotes')[0]).toMatchObject({ Status: 'PAID', RemainingCredit: 0 });
    await golden('refund-paid-out');
  });

  it('refund allocated to the unpaid invoice', async () => {
    const sold = await post(actionContext(fake, access), invoice('sale:ord_2010'));
    fake.requests.length = 0;
    await post(
      actionContext(fake, access, 'wf_rf_2:books'),
      refund('refund:ord_2010:rf_1', sold.externalId, true),
    );
    expect(fake.documents('invoices')[0]).toMatchObject({ AmountDue: 24.19, AmountCredited: 19.49 });
    expect(fake.documents('allocations')).toHaveLength(1);
    await golden('refund-allocated');
  });

  it('journal: a posted manual journal, debits positive and credits negative', async () => {
    const posted = await post(actionContext(fake, access, 'wf_day_3:books'), journal('journal:2026-12-03'));
    expect(posted).toEqual({
      externalId: expect.any(String),
      number: 'DAY-2026-12-03',
      total: 52_410,
      tax: 0,
    });
    await golden('journal');
  });

  it('fee: money spent from the clearing account to the fees contact', async () => {
    const posted = await post(actionContext(fake, access, 'wf_fee_9:books'), fee('fee:txn_9'));
    expect(posted).toEqual({ externalId: expect.any(String), total: 157, tax: 0 });
    expect(fake.documents('contacts').map((c) => c.Name)).toContain('Payment processing fees');
    await golden('fee');
  });
});

describe('postDocument: once', () => {
  it('sends an Idempotency-Key of at most 128 characters on every create, stable across retries', async () => {
    const long = `wf_${'x'.repeat(200)}:books`;
    expect(idempotencyKeyOf(long, 'invoice').length).toBeLessThanOrEqual(128);
    expect(idempotencyKeyOf(long, 'invoice')).toBe(idempotencyKeyOf(long, 'invoice'));
    expect(idempotencyKeyOf(long, 'invoice')).not.toBe(idempotencyKeyOf(long, 'payment'));
    expect(idempotencyKeyOf('wf_1:books', 'invoice')).toBe('wf_1:books:invoice');
    await post(actionContext(fake, access, long), withContact(sale('sale:ord_3000')));
    const keys = fake.requests.filter((r) => r.method === 'PUT').map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key!.length).toBeLessThanOrEqual(128);
    expect(new Set(keys).size).toBe(2);
  });

  it('heals a lost answer within the call: the retry is replayed under the same key, posted once', async () => {
    let lost = 0;
    fake.loseNextAnswer('invoices', () => lost++);
    const posted = await post(actionContext(fake, access), withContact(sale('sale:ord_3001')));
    expect(lost).toBe(1);
    expect(fake.documents('invoices')).toHaveLength(1);
    expect(posted.externalId).toBe(fake.documents('invoices')[0]!.InvoiceID);
  });

  it('reads before writing: after a crash and the key`s expiry the retry finds the invoice, posted once', async () => {
    const key = 'wf_crash_1:books';
    const crash = new AbortController();
    fake.loseNextAnswer('invoices', () => crash.abort(new Error('the hub process died')));
    await expect(
      post(actionContext(fake, access, key, crash.signal), withContact(sale('sale:ord_3002'))),
    ).rejects.toThrow('the hub process died');
    expect(fake.documents('invoices')).toHaveLength(1);
    expect(fake.documents('payments')).toHaveLength(0);
    fake.expireIdempotencyKeys();
    fake.requests.length = 0;
    const posted = await post(actionContext(fake, access, key), withContact(sale('sale:ord_3002')));
    expect(fake.documents('invoices')).toHaveLength(1);
    expect(fake.documents('payments')).toHaveLength(1);
    // The invoice was found; its payment was still to make: not `found`.
    expect(posted.found).toBeUndefined();
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /Invoices', 'PUT /Payments']);
    // A third run finds both: nothing is created.
    fake.requests.length = 0;
    const again = await post(actionContext(fake, access, key), withContact(sale('sale:ord_3002')));
    expect(again).toMatchObject({ externalId: posted.externalId, found: true, total: 4368 });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /Invoices']);
  });

  it.each([
    ['journal', () => journal('journal:2026-12-09'), 'manualJournals', 'GET /ManualJournals'],
    ['fee', () => fee('fee:txn_10'), 'bankTransactions', 'GET /BankTransactions'],
  ] as const)(
    'finds a %s posted before with the same key (read before write)',
    async (_, doc, kind, read) => {
      const first = await post(actionContext(fake, access), doc());
      fake.expireIdempotencyKeys();
      fake.requests.length = 0;
      const second = await post(actionContext(fake, access), doc());
      expect(second).toEqual({ ...first, found: true });
      expect(fake.documents(kind)).toHaveLength(1);
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([read]);
    },
  );

  it('finds a refund posted before, and a payment posted before', async () => {
    const sold = await post(actionContext(fake, access), invoice('sale:ord_3100'));
    const refundDoc = refund('refund:ord_3100:rf_1', sold.externalId, true);
    const first = await post(actionContext(fake, access), refundDoc);
    expect(await post(actionContext(fake, access), refundDoc)).toEqual({ ...first, found: true });
    const pay = payment('payment:ord_3100:1', sold.externalId, 2419);
    const paid = await post(actionContext(fake, access), pay);
    expect(await post(actionContext(fake, access), pay)).toEqual({ ...paid, found: true });
    expect(fake.documents('payments')).toHaveLength(1);
    expect(fake.documents('allocations')).toHaveLength(1);
  });

  it('answers Xero`s own totals when its tax rounding differs by a cent', async () => {
    fake.taxDrift = 1;
    const posted = await post(actionContext(fake, access), withContact(sale('sale:ord_3200')));
    expect(posted).toMatchObject({ total: 4369, tax: 334 });
    // The payment was Xero's amount due: the invoice is paid, not left a cent short.
    expect(fake.documents('invoices')[0]).toMatchObject({ Status: 'PAID', Total: 43.69 });
  });

  it('refuses a journal whose debits and credits differ, before calling Xero', async () => {
    const lopsided = journal('journal:bad', {
      lines: [
        { side: 'debit', account: '1210', amount: 1000, description: 'in' },
        { side: 'credit', account: '4000', amount: 999, description: 'out' },
      ],
    });
    const error = await post(actionContext(fake, access), lopsided).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/does not balance: debits 1000 and credits 999/);
    expect(fake.requests).toHaveLength(0);
  });
});
