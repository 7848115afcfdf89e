import { fileURLToPath } from 'node:url';
import { type AnyConnector, type BooksDocument, isPermanent, VendorError } from '@switchyard/core';
import { actionsContract, requireGolden } from '@switchyard/core/testing';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forgetCustomers } from '../src/customers.ts';
import { quickbooks, quickbooksActions, REQUEST_ID_MAX, requestIdOf } from '../src/index.ts';
import { everyKind, fee, invoice, journal, payment, salesReceipt, usLines } from './documents.ts';
import { fakeQuickBooks } from './fakes/index.ts';
import { actionContext, connectionTo, newRealmId } from './harness.ts';

const fake = fakeQuickBooks();
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  fake.taxSkew = 0;
  fake.lostAnswers.clear();
  forgetCustomers();
});

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const post = quickbooks.actions!.postDocument!;

/** A company of its own, authorized, and a way to post to it under a key. */
function company() {
  const realm = newRealmId();
  const connection = connectionTo(fake, realm);
  const posting = (document: BooksDocument, key = `wf-${Math.random()}:post`) =>
    post(actionContext(connection, key), { document });
  const creates = () => fake.calls.filter((c) => c.realm === realm && c.method === 'POST');
  return { realm, connection, posting, creates };
}

describe('postDocument: the bodies QuickBooks receives', () => {
  it.each(everyKind('INVOICE').map((k) => k.name))('%s', async (name) => {
    const c = company();
    // A payment pays (and a credit memo credits) an invoice the books hold.
    const billed = ['payment', 'credit-memo'].includes(name)
      ? await c.posting(
          invoice('sale:for-payment', { customer: { ref: '58', name: 'Shopify customer' } }),
          'golden:invoice-for-payment',
        )
      : { externalId: '130' };
    const { document } = everyKind(billed.externalId).find((k) => k.name === name)!;
    const before = c.creates().length;
    const posted = await c.posting(document, `golden:${name}`);
    const creates = c
      .creates()
      .slice(before)
      .map((call) => ({ resource: call.resource, requestid: call.requestid, body: call.body }));
    expect(creates.at(-1)!.requestid).toBe(requestIdOf(`golden:${name}`, 'document'));
    const golden = here(`golden/post-${name}.json`);
    requireGolden(golden);
    await expect(`${JSON.stringify(creates, null, 2)}\n`).toMatchFileSnapshot(golden);
    expect(posted.externalId).toMatch(/^\d+$/);
    expect(posted.found).toBeUndefined();
  });

  it("answers QuickBooks' own total and tax, in minor units", async () => {
    const c = company();
    expect(await c.posting(salesReceipt())).toMatchObject({ number: '1001', total: 3939, tax: 292 });
    const [receipt] = fake.documents('SalesReceipt', c.realm);
    expect(receipt).toMatchObject({ TotalAmt: 39.39, TxnTaxDetail: { TotalTax: 2.92 }, DocNumber: '1001' });
  });

  it('answers the books’ figures when QuickBooks rounds the tax its own way (the hub checks them)', async () => {
    const c = company();
    fake.taxSkew = 1;
    expect(await c.posting(salesReceipt())).toMatchObject({ total: 3940, tax: 293 });
    fake.taxSkew = -1;
    expect(await c.posting(salesReceipt('sale:ord_other', { number: '1002' }))).toMatchObject({
      total: 3938,
      tax: 291,
    });
  });

  it('posts yen and tax-inclusive pounds exactly', async () => {
    const c = company();
    const kinds = everyKind('0');
    const gbp = await c.posting(kinds.find((k) => k.name === 'sales-receipt-tax-inclusive-gbp')!.document);
    expect(gbp).toMatchObject({ total: 4200, tax: 700 });
    const jpy = await c.posting(kinds.find((k) => k.name === 'sales-receipt-jpy')!.document);
    expect(jpy).toMatchObject({ total: 7200, tax: 600 });
  });

  it('lowers the invoice it pays', async () => {
    const c = company();
    const billed = await c.posting(invoice());
    await c.posting(payment(billed.externalId, 'payment:part', { amount: 1000 }));
    expect(fake.documents('Invoice', c.realm)[0]).toMatchObject({ Balance: 29.39, TotalAmt: 39.39 });
  });
});

describe('postDocument: once', () => {
  it('derives requestid from the idempotency key: at most 50 characters, the same on every retry', () => {
    const long = `wf_${'x'.repeat(300)}:step:post-sale`;
    const id = requestIdOf(long, 'document');
    expect(id.length).toBeLessThanOrEqual(REQUEST_ID_MAX);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(requestIdOf(long, 'document')).toBe(id);
    expect(requestIdOf(long, 'customer')).not.toBe(id);
    expect(requestIdOf(`${long}!`, 'document')).not.toBe(id);
  });

  it('posts once when QuickBooks made the document but its answer was lost (requestid replays it)', async () => {
    for (const how of ['status', 'drop'] as const) {
      const c = company();
      fake.loseNextAnswer('SalesReceipt', how);
      const replays = fake.replays;
      // The client asks again at once (no backoff in the test): QuickBooks replays its first answer.
      const quick = quickbooksActions({ sleep: async () => {} });
      const posted = await quick.postDocument!(actionContext(c.connection, `lost-${how}`), {
        document: salesReceipt(),
      });
      expect(fake.documents('SalesReceipt', c.realm)).toHaveLength(1);
      expect(fake.replays - replays).toBe(1);
      expect(posted.externalId).toBe(fake.documents('SalesReceipt', c.realm)[0]!.Id);
    }
  });

  it('finds the document by reading first when Intuit has forgotten the requestid (posted once)', async () => {
    const c = company();
    fake.loseNextAnswer('SalesReceipt', 'drop');
    // The process dies before it asks again: the step fails, its workflow retries it later.
    const dying = quickbooksActions({ sleep: () => Promise.reject(new Error('process killed')) });
    await expect(
      dying.postDocument!(actionContext(c.connection, 'step-1'), { document: salesReceipt() }),
    ).rejects.toThrow('process killed');
    expect(fake.documents('SalesReceipt', c.realm)).toHaveLength(1);
    fake.forgetRequestIds(c.realm);
    const again = await c.posting(salesReceipt(), 'step-1');
    expect(again).toMatchObject({ found: true, total: 3939, tax: 292, number: '1001' });
    expect(fake.documents('SalesReceipt', c.realm)).toHaveLength(1);
    // Found by its key in the PrivateNote: another posting with the same number and date is not it.
    const other = await c.posting(salesReceipt('sale:ord_01JOTHER'), 'step-2');
    expect(other.found).toBeUndefined();
    expect(fake.documents('SalesReceipt', c.realm)).toHaveLength(2);
  });

  it('reads once per posting, before the create, by number and date (payments: customer and date)', async () => {
    const c = company();
    const billed = await c.posting(invoice());
    await c.posting(payment(billed.externalId));
    const queries = fake.calls
      .filter((call) => call.realm === c.realm && call.resource === 'query')
      .map((q) => q.query);
    expect(queries).toEqual([
      "select * from Invoice where DocNumber = 'PO-4471' and TxnDate = '2026-11-20' maxresults 1000",
      "select * from Customer where DisplayName = 'O\\'Brien Hardware West'",
      "select * from Payment where CustomerRef = '58' and TxnDate = '2026-12-05' maxresults 1000",
    ]);
  });
});

describe('postDocument: customers', () => {
  it('uses an existing customer found by name, and remembers it for the connection', async () => {
    const c = company();
    const existing = fake.put('Customer', c.realm, { DisplayName: "O'Brien Hardware West" });
    await c.posting(invoice('sale:a', { number: 'A-1' }));
    await c.posting(invoice('sale:b', { number: 'B-1' }));
    const invoices = fake.documents('Invoice', c.realm);
    expect(invoices.map((i) => (i.CustomerRef as { value: string }).value)).toEqual([
      existing.Id,
      existing.Id,
    ]);
    expect(fake.documents('Customer', c.realm)).toHaveLength(1);
    expect(fake.calls.filter((q) => q.realm === c.realm && q.query?.includes('from Customer'))).toHaveLength(
      1,
    );
  });

  it('creates a buyer once, with a requestid of its own', async () => {
    const c = company();
    await c.posting(invoice(), 'key-1');
    const [customer] = fake.documents('Customer', c.realm);
    expect(customer).toMatchObject({
      DisplayName: "O'Brien Hardware West",
      PrimaryEmailAddr: { Address: 'ap@obrien.example' },
    });
    const create = fake.calls.find((call) => call.realm === c.realm && call.resource === 'customer');
    expect(create?.requestid).toBe(requestIdOf('key-1', 'customer'));
  });

  it('reads the customer another posting created meanwhile (QuickBooks refuses the name twice: 6240)', async () => {
    const c = company();
    // Created after the lookup, before the create: the create meets 6240, and the lookup is made again.
    server.use(
      ...[
        http.post(`${fake.apiOrigin}/v3/company/${c.realm}/customer`, () => {
          fake.put('Customer', c.realm, { DisplayName: "O'Brien Hardware West" });
          return Response.json(
            {
              Fault: {
                Error: [
                  {
                    Message: 'Duplicate Name Exists Error',
                    Detail: 'The name supplied already exists.',
                    code: '6240',
                  },
                ],
                type: 'ValidationFault',
              },
            },
            { status: 400 },
          );
        }),
      ],
    );
    try {
      await c.posting(invoice());
    } finally {
      server.resetHandlers();
    }
    const [customer] = fake.documents('Customer', c.realm);
    expect((fake.documents('Invoice', c.realm)[0]!.CustomerRef as { value: string }).value).toBe(
      customer!.Id,
    );
  });

  it('refuses when a vendor holds the buyer’s name, saying what to do', async () => {
    const c = company();
    fake.put('Vendor', c.realm, { DisplayName: "O'Brien Hardware West" });
    const error = await c.posting(invoice()).catch((e: unknown) => e);
    expect(isPermanent(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /vendor, an employee or an inactive customer named "O'Brien Hardware West".*customer\.ref/,
    );
    expect(fake.documents('Invoice', c.realm)).toHaveLength(0);
  });
});

describe('postDocument: refused before any call', () => {
  it.each([
    [
      'a sales line without an item',
      salesReceipt('sale:x', { lines: [{ ...usLines[2]!, item: undefined }] }),
      /shipping line "Standard shipping" has no QuickBooks item.*items\.shipping/,
    ],
    [
      'an item line without an item',
      salesReceipt('sale:y', { lines: [{ ...usLines[0]!, item: undefined }] }),
      /items\.bySku.*items\.default/,
    ],
    [
      'an unbalanced journal',
      journal('j:1', { lines: journal().lines.slice(1) }),
      /does not balance: debits 0, credits 123456/,
    ],
    [
      'discounts on two accounts',
      salesReceipt('sale:z', { lines: [...usLines, { ...usLines[3]!, account: '87' }] }),
      /discounts go to 2 accounts \(86, 87\)/,
    ],
  ])('%s', async (_name, document, message) => {
    const c = company();
    const error = await c.posting(document).catch((e: unknown) => e);
    expect(isPermanent(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(fake.calls.filter((call) => call.realm === c.realm)).toEqual([]);
  });

  it('turns a Fault into a VendorError in QuickBooks’ words, with what to do', async () => {
    const c = company();
    const billed = await c.posting(invoice());
    const error = await c
      .posting(payment(billed.externalId, 'payment:too-much', { amount: 999_999 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ status: 400, code: '6000', permanent: true });
    expect((error as Error).message).toMatch(
      /exceeds the open balance of invoice.*correct what QuickBooks refused/,
    );
  });
});

describe('postDocument: fees', () => {
  it('posts a fee as a cash Purchase with a number derived from its key, found again by it', async () => {
    const c = company();
    const first = await c.posting(fee());
    fake.forgetRequestIds(c.realm);
    const second = await c.posting(fee(), 'another-step');
    expect(second).toMatchObject({ externalId: first.externalId, found: true, total: 144, tax: 0 });
    expect(fake.documents('Purchase', c.realm)).toHaveLength(1);
  });
});

const contractRealm = newRealmId();
const contractGrant = connectionTo(fake, contractRealm);
actionsContract({
  connector: quickbooks as unknown as AnyConnector,
  settings: { clientId: fake.clientId },
  secrets: { clientSecret: fake.clientSecret, webhookVerifierToken: fake.verifierToken },
  cases: [
    {
      name: 'postDocument (a sales receipt)',
      call: (context) =>
        post(
          { ...(context as Parameters<typeof post>[0]), authorization: contractGrant.authorization },
          {
            // Another step is another posting: its key follows the step's.
            document: salesReceipt(`sale:${context.idempotencyKey}`),
          },
        ),
      effects: () => fake.documents('SalesReceipt', contractRealm).length,
    },
  ],
});
