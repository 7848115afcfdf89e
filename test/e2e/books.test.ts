import { easypost } from '@switchyard/connector-easypost';
import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import { httpJson } from '@switchyard/connector-http-json';
import { quickbooks } from '@switchyard/connector-quickbooks';
import { cloudEvent, cloudEventsDelivery, fakeQuickBooks } from '@switchyard/connector-quickbooks/testing';
import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { fakeShopify } from '@switchyard/connector-shopify/testing';
import { xero } from '@switchyard/connector-xero';
import { fakeXero } from '@switchyard/connector-xero/testing';
import {
  applyOrder,
  getOrder,
  listExceptions,
  listPostings,
  OrderDraft,
  type OrderDraftInput,
} from '@switchyard/core';
import { connectionHealth } from '@switchyard/server';
import {
  addDays,
  dayEnd,
  dayIn,
  ORDER_EVENTS_TOPIC,
  orderWorkflowId,
  postingWorkflowId,
  refundKey,
  saleKey,
} from '@switchyard/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booksHub } from '../support/books-hub.ts';
import { eventually } from '../support/eventually.ts';

/**
 * Accounting end to end, in this process: orders of a Shopify channel booked in QuickBooks Online and of
 * another in Xero, one document each (their fakes in the vendors' shapes, Xero through the real xero-node), a
 * partial refund booked once, a lost answer not booked twice, the vendor's tax rounding caught, a B2B invoice
 * closed by a payment recorded in the books (its webhook through the hub's route), a refused grant parking the
 * postings until the merchant authorizes again, and a day of 1,000 orders in two currencies summarized in one
 * balanced journal per currency that reconciles with the orders to the cent.
 */

const QBO = {
  clientId: 'ABqbo-e2e-client',
  clientSecret: 'qbo-e2e-secret',
  verifierToken: 'qbo-e2e-verifier',
};
const XERO = {
  clientId: 'xero-e2e-client',
  clientSecret: 'xero-e2e-secret',
  webhookKey: 'xero-e2e-webhook-key',
};
const REALM = '4620816365214998110';
const DAY_REALM = '4620816365214998777';
const qboFake = fakeQuickBooks({ ...QBO, realm: REALM });
const WHOLESALE = { shop: 'books-wholesale.myshopify.com', token: 'shpat_books_wholesale' };
const shopifyFake = fakeShopify(WHOLESALE.shop, API_VERSION, WHOLESALE.token);
const easypostKey = 'EZTK_books_e2e_0123456789';
const easypostFake = fakeEasyPost(easypostKey);
const xeroFake = fakeXero({
  ...XERO,
  tenants: [{ tenantId: 'b1f0c2d3-0000-4000-8000-00000000e2e0', tenantName: 'Acme Ltd' }],
});

const qboMapping = {
  accounts: { income: '79', shippingIncome: '84', discounts: '86', refunds: '87' },
  clearing: { default: '4', byGateway: { shopify_payments: '92' } },
  items: { default: '1', shipping: '2' },
  taxes: { byTitle: { 'State Tax': { code: 'TAX', account: '90' } }, exempt: 'NON' },
  customer: { mode: 'single', ref: '58' },
};
const qboSettings = { clientId: QBO.clientId };
const qboSecrets = { clientSecret: QBO.clientSecret, webhookVerifierToken: QBO.verifierToken };
const hub = booksHub({
  parts: [
    { id: 'qbo', connector: quickbooks, settings: qboSettings, secrets: qboSecrets },
    { id: 'qbo-day', connector: quickbooks, settings: qboSettings, secrets: qboSecrets },
    {
      id: 'xero',
      connector: xero,
      settings: { clientId: XERO.clientId },
      secrets: { clientSecret: XERO.clientSecret, webhookKey: XERO.webhookKey },
    },
    {
      id: 'shop',
      connector: shopify,
      settings: { shop: 'books-e2e.myshopify.com' },
      secrets: { clientSecret: 'shpss_books', accessToken: 'shpat_books' },
      accounting: { connection: 'qbo', mode: 'per-order', mapping: qboMapping },
    },
    {
      id: 'shop-uk',
      connector: shopify,
      settings: { shop: 'books-uk.myshopify.com' },
      secrets: { clientSecret: 'shpss_books_uk', accessToken: 'shpat_books_uk' },
      accounting: {
        connection: 'xero',
        mode: 'per-order',
        timeZone: 'Europe/London',
        mapping: {
          accounts: { income: '200', shippingIncome: '260', discounts: '270' },
          clearing: { default: '090' },
          taxes: { byTitle: { VAT: { code: 'OUTPUT2', account: '820' } }, exempt: 'NONE' },
          customer: { mode: 'per-buyer' },
        },
      },
    },
    {
      id: 'b2b',
      connector: httpJson,
      settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: 'b2b-secret' },
      accounting: {
        connection: 'qbo',
        mode: 'per-order',
        mapping: { ...qboMapping, customer: { mode: 'per-buyer' } },
      },
    },
    {
      id: 'shipping',
      connector: easypost,
      settings: {},
      secrets: { apiKey: easypostKey, webhookSecret: 'ep-books' },
    },
    {
      // B2B on terms: shipped by the hub, invoiced in QuickBooks, closed when the books show it paid.
      id: 'wholesale',
      connector: shopify,
      settings: { shop: WHOLESALE.shop },
      secrets: { clientSecret: 'shpss_books_wholesale', accessToken: WHOLESALE.token },
      fulfillment: {
        payment: 'books-invoice',
        shipping: 'shipping',
        shipFrom: {
          company: 'Acme',
          street1: '388 Townsend St',
          city: 'San Francisco',
          state: 'CA',
          zip: '94107',
          country: 'US',
        },
        shippingRules: { rules: [{ method: 'Standard', maxDays: 5 }] },
        parcel: { weightGrams: 500 },
      },
      accounting: {
        connection: 'qbo',
        mode: 'per-order',
        mapping: { ...qboMapping, customer: { mode: 'per-buyer' } },
      },
    },
    {
      id: 'pos',
      connector: httpJson,
      settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: 'pos-secret' },
      accounting: {
        connection: 'qbo-day',
        mode: 'daily-summary',
        timeZone: 'America/New_York',
        mapping: {
          ...qboMapping,
          taxes: { ...qboMapping.taxes, byRate: { '0.2': { code: 'VAT20', account: '91' } } },
        },
      },
    },
  ],
  handlers: [...qboFake.handlers, ...xeroFake.handlers, ...shopifyFake.handlers, ...easypostFake.handlers],
});

let app: Awaited<ReturnType<typeof hub.start>>['app'];

beforeAll(async () => {
  ({ app } = await hub.start());
  for (const id of ['qbo', 'xero']) expect(await hub.authorize(id)).toMatch(/is connected to/);
  // The daily summaries go to a company of their own.
  qboFake.nextRealm = DAY_REALM;
  expect(await hub.authorize('qbo-day')).toMatch(new RegExp(`is connected to .*${DAY_REALM}`));
}, 60_000);
afterAll(async () => hub.stop());

const money = (amount: number, currency = 'USD') => ({ amount, currency });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** A paid order, its totals added up from its parts (tax on the first line; VAT included when `vat`). */
function paidOrder(
  externalId: string,
  o: {
    currency?: string;
    vat?: boolean;
    qty?: number;
    unit?: number;
    discount?: number;
    shipping?: number;
    placedAt?: string;
    refunds?: OrderDraftInput['refunds'];
    b2b?: boolean;
  } = {},
): OrderDraftInput {
  const currency = o.currency ?? 'USD';
  const qty = o.qty ?? 2;
  const unit = o.unit ?? 1250;
  const discount = o.discount ?? 0;
  const shipping = o.shipping ?? 500;
  const items = qty * unit;
  const tax = o.vat ? Math.round(((items - discount) * 20) / 120) : Math.round((items - discount) * 0.08);
  const total = items - discount + shipping + (o.vat ? 0 : tax);
  const at = o.placedAt ?? new Date().toISOString();
  return {
    externalId,
    externalNumber: `#${externalId}`,
    ...(o.b2b ? { kind: 'b2b', b2b: { poNumber: `PO-${externalId}`, paymentTerms: { netDays: 30 } } } : {}),
    currency,
    placedAt: at,
    updatedAt: at,
    taxesIncluded: !!o.vat,
    customer: { name: `Buyer ${externalId}`, email: `buyer${externalId}@example.com` },
    lines: [
      {
        id: 'l1',
        sku: 'MUG-1',
        title: 'Mug',
        quantity: { ordered: qty },
        unitPrice: money(unit, currency),
        discounts: discount ? [{ code: 'SAVE', amount: money(discount, currency) }] : [],
        taxLines: [
          { title: o.vat ? 'VAT' : 'State Tax', rate: o.vat ? '0.2' : '0.08', amount: money(tax, currency) },
        ],
      },
    ],
    shippingLines: shipping ? [{ code: 'std', title: 'Standard', price: money(shipping, currency) }] : [],
    totals: {
      items: money(items, currency),
      discount: money(discount, currency),
      shipping: money(shipping, currency),
      tax: money(tax, currency),
      total: money(total, currency),
    },
    payments: o.b2b
      ? []
      : [{ id: 'p1', status: 'captured', gateway: 'shopify_payments', captured: money(total, currency) }],
    refunds: o.refunds ?? [],
  };
}

const source = (connectionId: string) => ({
  tenantId: 'acme',
  connectionId,
  connector: connectionId.startsWith('shop') ? 'shopify' : 'http-json',
});
const place = async (connectionId: string, draft: OrderDraftInput) => {
  const applied = await applyOrder(hub.db.sql, source(connectionId), OrderDraft.parse(draft), null);
  return applied.orderId;
};
const posting = async (books: string, key: string) =>
  (await listPostings(hub.db.sql, 'acme', { booksConnection: books, limit: 1000 })).find(
    (p) => p.key === key,
  );
const posted = (books: string, key: string) =>
  eventually(`${key} posted to ${books}`, async () => (await posting(books, key))?.status === 'posted');
const cents = (decimal: unknown) => Math.round(Number(decimal) * 100);
/** What `find` answers once it answers something, within `timeoutMs`. */
async function until<T>(
  what: string,
  find: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  let found: T | undefined;
  await eventually(
    what,
    async () => {
      found = await find();
      return found !== undefined;
    },
    { timeoutMs },
  );
  return found!;
}

describe('one document per order', () => {
  it('books a paid Shopify order as a sales receipt in QuickBooks, and its partial refund as a refund receipt, once each', async () => {
    qboFake.loseNextAnswer('SalesReceipt', 'drop');
    const draft = paidOrder('1001');
    const id = await place('shop', draft);
    await posted('qbo', saleKey(id));
    const receipts = qboFake
      .documents('SalesReceipt', REALM)
      .filter((d) => String(d.PrivateNote).includes(saleKey(id)));
    expect(receipts).toHaveLength(1);
    expect(cents(receipts[0]!.TotalAmt)).toBe(3200);
    expect(receipts[0]).toMatchObject({
      DocNumber: '1001',
      DepositToAccountRef: { value: '92' },
      CustomerRef: { value: '58' },
    });

    // The shop refunds one mug (12.50 + 1.00 tax) the next day.
    const later = new Date(Date.now() + 60_000).toISOString();
    await place('shop', {
      ...draft,
      updatedAt: later,
      refunds: [{ id: 'rf1', amount: money(1350), lines: [{ lineId: 'l1', quantity: 1 }], at: later }],
    });
    await posted('qbo', refundKey(id, 'rf1'));
    const refunds = qboFake
      .documents('RefundReceipt', REALM)
      .filter((d) => String(d.PrivateNote).includes(refundKey(id, 'rf1')));
    expect(refunds).toHaveLength(1);
    expect(cents(refunds[0]!.TotalAmt)).toBe(1350);
    expect(refunds[0]).toMatchObject({ DepositToAccountRef: { value: '92' } });
    // Nothing posted twice: the order's timeline shows each document once.
    const timeline = (await getOrder(hub.db.sql, 'acme', id))!.timeline.filter(
      (e) => e.type === 'books.posted',
    );
    expect(timeline.map((e) => e.data.kind)).toEqual(['sales-receipt', 'refund']);
    expect(await hub.engine.status(postingWorkflowId('qbo', saleKey(id)))).toMatchObject({
      state: 'succeeded',
    });
  });

  it('books a paid order in Xero as an invoice with its payment, and the refund as a credit note paid out', async () => {
    xeroFake.loseNextAnswer('invoices');
    const id = await place('shop-uk', paidOrder('2001', { currency: 'GBP', vat: true, discount: 300 }));
    await posted('xero', saleKey(id));
    const invoices = xeroFake.documents('invoices').filter((d) => d.Reference === saleKey(id));
    expect(invoices).toHaveLength(1);
    // 2 × 12.50 − 3.00 + 5.00 shipping, VAT included: 27.00, paid in full.
    expect(invoices[0]).toMatchObject({ Type: 'ACCREC', Status: 'PAID', LineAmountTypes: 'Inclusive' });
    expect(cents(invoices[0]!.Total)).toBe(2700);
    expect(
      xeroFake
        .documents('payments')
        .filter((p) => (p.Invoice as { InvoiceID?: string })?.InvoiceID === invoices[0]!.InvoiceID),
    ).toHaveLength(1);

    const later = new Date(Date.now() + 60_000).toISOString();
    const draft = paidOrder('2001', { currency: 'GBP', vat: true, discount: 300 });
    await place('shop-uk', {
      ...draft,
      updatedAt: later,
      refunds: [{ id: 'rf1', amount: money(500, 'GBP'), at: later }],
    });
    await posted('xero', refundKey(id, 'rf1'));
    const notes = xeroFake.documents('creditNotes').filter((d) => d.Reference === refundKey(id, 'rf1'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ Type: 'ACCRECCREDIT' });
    expect(cents(notes[0]!.Total)).toBe(500);
  });

  it('keeps what the books computed when their tax rounding differs, and opens an exception with both figures', async () => {
    qboFake.taxSkew = 1;
    try {
      const id = await place('shop', paidOrder('1002'));
      await posted('qbo', saleKey(id));
      const exceptions = await until('the exception', async () => {
        const page = await listExceptions(hub.db.sql, 'acme', { kind: 'books' });
        return page.items.find((e) => e.message.includes(saleKey(id)));
      });
      expect(exceptions.message).toMatch(
        /booked sales-receipt .* at 32\.01 USD \(tax 2\.01 USD\), the order says 32\.00 USD \(tax 2\.00 USD\)/,
      );
      expect(exceptions.detail).toMatchObject({
        books: { total: 3201, tax: 201 },
        order: { total: 3200, tax: 200 },
      });
    } finally {
      qboFake.taxSkew = 0;
    }
  });
});

describe('a B2B order on terms', () => {
  it('books an invoice, and closes it when QuickBooks records the payment (its webhook through the hub)', async () => {
    const id = await place('b2b', paidOrder('3001', { b2b: true }));
    await posted('qbo', saleKey(id));
    const invoice = (await posting('qbo', saleKey(id)))!;
    expect(invoice).toMatchObject({ kind: 'invoice', paidAt: null });
    const [doc] = qboFake.documents('Invoice', REALM).filter((d) => d.Id === invoice.externalId);
    expect(doc).toMatchObject({ CustomerRef: expect.anything() });
    expect(doc!.DueDate).toBe(addDays(dayIn('UTC', new Date()), 30));

    const delivery = qboFake.recordPayment({ realm: REALM, invoiceId: invoice.externalId! });
    const answer = await app.request('/webhooks/qbo', {
      method: 'POST',
      body: delivery.body,
      headers: delivery.headers,
    });
    expect(answer.status).toBeLessThan(300);
    // The same delivery again (Intuit retries): stored once, acted on once.
    await app.request('/webhooks/qbo', { method: 'POST', body: delivery.body, headers: delivery.headers });
    await eventually('the invoice paid', async () => (await posting('qbo', saleKey(id)))?.paidAt !== null);
    const paid = (await getOrder(hub.db.sql, 'acme', id))!.timeline.filter(
      (e) => e.type === 'books.invoice-paid',
    );
    expect(paid).toHaveLength(1);
    expect(paid[0]!.data).toMatchObject({ books: 'qbo', invoice: invoice.externalId });
  });

  it('ships a wholesale order on terms, and its workflow closes when the books show the invoice paid', async () => {
    const externalId = '9007199254741001';
    const lineId = `${externalId}1`;
    shopifyFake.orders.set(externalId, {
      cancelledAt: null,
      fulfillmentOrders: [
        {
          id: `gid://shopify/FulfillmentOrder/${externalId}`,
          status: 'OPEN',
          lineItems: [
            {
              id: `gid://shopify/FulfillmentOrderLineItem/${externalId}`,
              remainingQuantity: 2,
              lineItemId: lineId,
            },
          ],
        },
      ],
      fulfillments: [],
      transactions: [],
      refunds: [],
    });
    const draft = paidOrder(externalId, { b2b: true });
    const id = await place('wholesale', {
      ...draft,
      lines: draft.lines.map((l) => ({ ...l, id: lineId, externalId: lineId })),
      shippingAddress: {
        name: 'Dock 4',
        company: 'Retail Co',
        line1: '179 N Harbor Dr',
        city: 'Redondo Beach',
        region: 'CA',
        postalCode: '90277',
        country: 'US',
      },
    });
    const workflowId = orderWorkflowId(id);
    await eventually('the fulfillment on Shopify', async () => {
      if (shopifyFake.orders.get(externalId)!.fulfillments.length > 0) return true;
      const status = await hub.engine.status(workflowId);
      if (status?.state === 'failed') throw new Error(`the order workflow failed: ${status.error}`);
      return false;
    });
    await posted('qbo', saleKey(id));
    const invoice = (await posting('qbo', saleKey(id)))!;
    expect(invoice.kind).toBe('invoice');
    const trackingCode = shopifyFake.orders.get(externalId)!.fulfillments[0]!.trackingNumbers[0]!;
    await hub.engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'tracking', status: 'delivered', trackingCode },
      {
        dedupeKey: `delivered-${trackingCode}`,
      },
    );
    // Delivered, the order waits for its money; the customer pays, and the accountant records it in QuickBooks.
    await new Promise((r) => setTimeout(r, 300));
    expect(await hub.engine.status(workflowId)).toMatchObject({ state: 'pending' });
    const delivery = qboFake.recordPayment({ realm: REALM, invoiceId: invoice.externalId! });
    expect(
      (await app.request('/webhooks/qbo', { method: 'POST', body: delivery.body, headers: delivery.headers }))
        .status,
    ).toBeLessThan(300);
    expect(await hub.engine.settled(workflowId, { timeoutMs: 30_000 })).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'delivered' },
    });
    const timeline = (await getOrder(hub.db.sql, 'acme', id))!.timeline.map((e) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['books.posted', 'books.invoice-paid', 'invoice.paid']));
  });

  it('hands each company its own changes when one delivery holds several (one app, one webhook URL)', async () => {
    const id = await place('b2b', paidOrder('3002', { b2b: true }));
    await posted('qbo', saleKey(id));
    const invoice = (await posting('qbo', saleKey(id)))!;
    const payment = qboFake.recordPayment({ realm: REALM, invoiceId: invoice.externalId! });
    // Intuit posts to the app's one URL, here the summary connection's: its own company's change and qbo's.
    const events = [
      cloudEvent({
        realm: DAY_REALM,
        entity: 'invoice',
        id: '999',
        operation: 'updated',
        time: new Date().toISOString(),
      }),
      ...(JSON.parse(payment.body) as Parameters<typeof cloudEventsDelivery>[0]),
    ];
    const delivery = cloudEventsDelivery(events, QBO.verifierToken);
    const answer = await app.request('/webhooks/qbo-day', {
      method: 'POST',
      body: delivery.body,
      headers: delivery.headers,
    });
    expect(answer.status).toBeLessThan(300);
    await eventually('the invoice paid', async () => (await posting('qbo', saleKey(id)))?.paidAt !== null);
  });

  it('refuses a badly signed webhook from the books', async () => {
    const delivery = qboFake.recordPayment({
      realm: REALM,
      invoiceId: qboFake.documents('Invoice', REALM)[0]!.Id as string,
    });
    const answer = await app.request('/webhooks/qbo', {
      method: 'POST',
      body: delivery.body,
      headers: { ...delivery.headers, 'intuit-signature': 'AAAA' },
    });
    expect(answer.status).toBe(401);
    // Xero's intent-to-receive: a bare 401 for a bad signature, a bare 200 for a good one.
    const probe = xeroFake.webhook();
    const bad = await app.request('/webhooks/xero', {
      method: 'POST',
      body: probe.body,
      headers: { ...probe.headers, 'x-xero-signature': 'AAAA' },
    });
    expect([bad.status, await bad.text()]).toEqual([401, '']);
    const good = await app.request('/webhooks/xero', {
      method: 'POST',
      body: probe.body,
      headers: probe.headers,
    });
    expect([good.status, await good.text()]).toEqual([200, '']);
  });
});

describe('a refused grant', () => {
  it('parks the postings, shows reconnect needed, and posts them once the merchant authorizes again', async () => {
    qboFake.revokeGrants(REALM);
    qboFake.expireAccessTokens(REALM);
    await hub.db
      .sql`update connection_grants set access_expires_at = now() - interval '1 minute' where connection_id = 'qbo'`;
    const id = await place('shop', paidOrder('1003'));
    await eventually(
      'the posting parked',
      async () => (await posting('qbo', saleKey(id)))?.status === 'parked',
    );
    const ctx = {
      hub: { sql: hub.db.sql, connections: hub.connections, config: hub.config },
      by: { actor: 'test', name: 'test', tenantId: 'acme', role: 'viewer' as const },
    };
    const health = (await connectionHealth(ctx)).find((h) => h.id === 'qbo')!;
    expect(health.authorization).toMatchObject({ state: 'reconnect-needed', account: REALM });
    expect(health.trouble).toMatch(
      /reconnect needed: .*1 posting parked until you run switchyard connections authorize qbo/,
    );
    expect(
      qboFake.documents('SalesReceipt', REALM).filter((d) => String(d.PrivateNote).includes(saleKey(id))),
    ).toHaveLength(0);

    qboFake.nextRealm = REALM;
    await hub.authorize('qbo');
    await posted('qbo', saleKey(id));
    expect(
      qboFake.documents('SalesReceipt', REALM).filter((d) => String(d.PrivateNote).includes(saleKey(id))),
    ).toHaveLength(1);
  });
});

describe('the daily summary', () => {
  it('books a day of 1,000 orders in two currencies as one balanced journal each, reconciled to the cent', async () => {
    const zone = 'America/New_York';
    const today = dayIn(zone, new Date());
    const start = dayEnd(zone, addDays(today, -1)).getTime();
    const expected = new Map<string, number>();
    const orders: string[] = [];
    let refunds = 0;
    for (let i = 0; i < 1000; i++) {
      const eur = i % 10 >= 7;
      const currency = eur ? 'EUR' : 'USD';
      const placedAt = new Date(start + 60_000 + i * 40_000).toISOString();
      const draft = paidOrder(`P${i}`, {
        currency,
        vat: eur,
        qty: 1 + (i % 3),
        unit: 999 + ((i * 37) % 2000),
        discount: i % 5 === 0 ? 100 : 0,
        shipping: i % 4 === 0 ? 0 : 495,
        placedAt,
      });
      const total = (draft.totals as { total: { amount: number } }).total.amount;
      if (i % 10 === 3) {
        draft.refunds = [
          { id: `rf${i}`, amount: money(Math.min(total, 777), currency), lines: [], at: placedAt },
        ];
        refunds++;
      }
      expected.set(
        currency,
        (expected.get(currency) ?? 0) + total - (draft.refunds?.[0] ? Math.min(total, 777) : 0),
      );
      orders.push(await place('pos', draft));
    }
    // Nothing is posted before the day closes (midnight in New York plus two hours)…
    await new Promise((r) => setTimeout(r, 300));
    expect(qboFake.documents('JournalEntry', DAY_REALM)).toHaveLength(0);
    // …and then one journal per currency.
    hub.clock.now = new Date(dayEnd(zone, today).getTime() + 3 * 3_600_000);
    const journals = await until(
      'two journals',
      () => {
        const docs = qboFake.documents('JournalEntry', DAY_REALM);
        return docs.length === 2 ? docs : undefined;
      },
      120_000,
    );
    for (const journal of journals) {
      const currency = (journal.CurrencyRef as { value: string }).value;
      const lines = journal.Line as {
        Amount: number;
        JournalEntryLineDetail: { PostingType: string; AccountRef: { value: string } };
      }[];
      const side = (type: string) =>
        sum(lines.filter((l) => l.JournalEntryLineDetail.PostingType === type).map((l) => cents(l.Amount)));
      expect(side('Debit'), `${currency} debits = credits`).toBe(side('Credit'));
      const clearing = lines.filter((l) => ['92', '4'].includes(l.JournalEntryLineDetail.AccountRef.value));
      const net = sum(
        clearing.map((l) => (l.JournalEntryLineDetail.PostingType === 'Debit' ? 1 : -1) * cents(l.Amount)),
      );
      expect(net, `${currency} money collected less refunded`).toBe(expected.get(currency));
      expect(journal.DocNumber).toBe(`SY-${today.replaceAll('-', '')}-${currency}`);
    }
    await eventually('both summaries recorded', async () => {
      const rows = await hub.db.sql`select 1 from book_summaries where status = 'posted'`;
      return rows.length === 2;
    });
    const [entries] = await hub.db.sql<
      { n: number }[]
    >`select count(*)::int as n from book_summary_entries where books_connection = 'qbo-day'`;
    expect(entries!.n).toBe(1000 + refunds);
    const [traced] = await hub.db.sql<{ n: number }[]>`
      select count(distinct order_id)::int as n from order_events where type = 'books.summarized' and order_id = any(${orders})`;
    expect(traced!.n).toBe(1000);
    const summaries = await hub.db.sql<
      { status: string; orders: number }[]
    >`select status, orders from book_summaries order by currency`;
    expect(summaries).toEqual([
      { status: 'posted', orders: 300 },
      { status: 'posted', orders: 700 },
    ]);
  }, 180_000);
});
