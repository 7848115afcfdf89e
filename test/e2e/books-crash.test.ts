import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shopifySignature } from '@switchyard/connector-shopify';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startFake } from '../support/fake-process.ts';
import { cli, type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The accounting crash test: orders paid at checkout on two Shopify stores arrive as signed webhooks at the real
 * hub, one store booked in QuickBooks Online, the other in Xero (each vendor's fake in a process of its own,
 * the connections authorized through the real consent flow); each order is then partly refunded. The hub
 * process is killed with SIGKILL at random moments while it posts, four times, and started again. At the end,
 * per order: one sales receipt and one refund receipt in QuickBooks; one invoice, its payment and one credit
 * note in Xero; every posting recorded as posted.
 */
const QBO_ORDERS = 24;
const XERO_ORDERS = 6;
const KILLS = 4;
const QBO = {
  id: 'ABcrash-books-client',
  secret: 'crash-books-secret',
  verifier: 'crash-books-verifier',
  realm: '9130355012345678',
};
const XERO = { id: 'crash-xero-client', secret: 'crash-xero-secret', webhookKey: 'crash-xero-webhook-key' };
const SHOP_SECRET = 'shpss_books_crash_0123456789';

const scratch = scratchDir('books-crash');
let qbo: Awaited<ReturnType<typeof startFake>>;
let xero: Awaited<ReturnType<typeof startFake>>;
let db: TestDatabase;
let hub: HubProcess | undefined;
const env = () => ({
  DATABASE_URL: db.url,
  SWITCHYARD_EXECUTOR_ID: 'books-crash',
  CRASH_SHOP_SECRET: SHOP_SECRET,
  CRASH_SHOP_TOKEN: 'shpat_books_crash',
  CRASH_QBO_SECRET: QBO.secret,
  CRASH_QBO_VERIFIER: QBO.verifier,
  CRASH_XERO_SECRET: XERO.secret,
  CRASH_XERO_WEBHOOK: XERO.webhookKey,
});

beforeAll(async () => {
  qbo = await startFake('../../connectors/quickbooks/test/fakes/quickbooks-server.ts', {
    QUICKBOOKS_FAKE_CLIENT_ID: QBO.id,
    QUICKBOOKS_FAKE_CLIENT_SECRET: QBO.secret,
    QUICKBOOKS_FAKE_VERIFIER_TOKEN: QBO.verifier,
    QUICKBOOKS_FAKE_REALM: QBO.realm,
  });
  xero = await startFake('../../connectors/xero/test/fakes/xero-server.ts', {
    XERO_FAKE_CLIENT_ID: XERO.id,
    XERO_FAKE_CLIENT_SECRET: XERO.secret,
    XERO_FAKE_WEBHOOK_KEY: XERO.webhookKey,
  });
  db = await createTestDatabase({ migrate: false });
  const mapping = (tax: string, clearing: string) => `{
        accounts: { income: '400', shippingIncome: '410', discounts: '420', adjustments: '430' },
        clearing: { default: '${clearing}' },
        items: { default: '1', shipping: '2' },
        taxes: { byTitle: { 'NY State Tax': { code: '${tax}', account: '820' } } },
        customer: { mode: 'per-buyer' },
      }`;
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [
    { id: 'qbo', tenant: 'acme', connector: 'quickbooks',
      settings: { clientId: '${QBO.id}', apiOrigin: '${qbo.origin}', oauthOrigin: '${qbo.origin}', authorizeOrigin: '${qbo.origin}' },
      secrets: { clientSecret: env('CRASH_QBO_SECRET'), webhookVerifierToken: env('CRASH_QBO_VERIFIER') } },
    { id: 'xero', tenant: 'acme', connector: 'xero',
      settings: { clientId: '${XERO.id}', apiOrigin: '${xero.origin}', identityOrigin: '${xero.origin}', loginOrigin: '${xero.origin}' },
      secrets: { clientSecret: env('CRASH_XERO_SECRET'), webhookKey: env('CRASH_XERO_WEBHOOK') } },
    { id: 'shop', tenant: 'acme', connector: 'shopify', settings: { shop: 'crash-us.myshopify.com' },
      secrets: { clientSecret: env('CRASH_SHOP_SECRET'), accessToken: env('CRASH_SHOP_TOKEN') },
      accounting: { connection: 'qbo', mode: 'per-order', mapping: ${mapping('TAX', '92')} } },
    { id: 'shop-xero', tenant: 'acme', connector: 'shopify', settings: { shop: 'crash-xero.myshopify.com' },
      secrets: { clientSecret: env('CRASH_SHOP_SECRET'), accessToken: env('CRASH_SHOP_TOKEN') },
      accounting: { connection: 'xero', mode: 'per-order', mapping: ${mapping('OUTPUT', '090')} } },
  ],
});`,
  );
  hub = await startHub(scratch.dir, env());
  for (const id of ['qbo', 'xero']) await authorize(id);
}, 120_000);

afterAll(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGKILL');
    await hub.exited;
  }
  qbo?.stop();
  xero?.stop();
  await db?.drop();
  scratch.remove();
});

/** The merchant's consent, as the CLI prints it and the vendor's page answers it, back to the running hub. */
async function authorize(id: string) {
  const started = cli(
    scratch.dir,
    ['connections', 'authorize', id, '--no-wait', '--json', '--url', hub!.url],
    env(),
  );
  expect(started.code, started.stderr).toBe(0);
  const { url } = JSON.parse(started.stdout) as { url: string };
  const consent = await fetch(url, { redirect: 'manual' });
  const back = consent.headers.get('location');
  expect(back, `the consent page answered ${consent.status}`).toMatch(/\/oauth\/callback\?/);
  const page = await fetch(back!);
  expect(await page.text()).toContain('Connected');
}

/** A Shopify order webhook in Shopify's shape (the connector's own fixture, renumbered), paid at checkout. */
const fixture = JSON.parse(
  readFileSync(join(repoRoot, 'connectors/shopify/test/fixtures/orders-create.json'), 'utf8'),
) as Record<string, unknown>;
function shopifyOrder(n: number, refunded: boolean) {
  const id = 7_100_000_000_000_000_000n + BigInt(n);
  const body = {
    ...fixture,
    id: Number.NaN, // replaced below: the id is written as a JSON integer beyond 2^53
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${9000 + n}`,
    email: `buyer${n}@example.com`,
    created_at: '2026-12-01T10:00:00-05:00',
    updated_at: refunded ? '2026-12-02T10:00:00-05:00' : '2026-12-01T10:00:00-05:00',
    financial_status: refunded ? 'partially_refunded' : 'paid',
    fulfillments: [],
    refunds: refunded
      ? (fixture.refunds as { id: number }[]).map((r) => ({
          ...r,
          id: Number.NaN,
          created_at: '2026-12-02T10:00:00-05:00',
        }))
      : [],
  };
  return JSON.stringify(body)
    .replace('"id":null', `"id":${id}`)
    .replace(/"refunds":\[\{"id":null/, `"refunds":[{"id":${8_800_000_000_000_000_000n + BigInt(n)}`);
}

async function send(connection: string, shop: string, n: number, refunded: boolean) {
  const body = shopifyOrder(n, refunded);
  for (;;) {
    const answer = await fetch(`${hub!.url}/webhooks/${connection}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': refunded ? 'orders/updated' : 'orders/create',
        'x-shopify-shop-domain': shop,
        'x-shopify-webhook-id': `${connection}-${n}-${refunded}`,
        'x-shopify-hmac-sha256': shopifySignature(SHOP_SECRET, body),
      },
    }).catch(() => undefined);
    if (answer && answer.status < 300) return;
    // The hub is down (killed): Shopify would retry, and so does this.
    await new Promise((r) => setTimeout(r, 200));
  }
}

const qboDocs = async (entity: string) =>
  (await (
    await fetch(`${qbo.origin}/__fake/documents?entity=${entity}&realm=${QBO.realm}`)
  ).json()) as Record<string, unknown>[];
const xeroDocs = async (kind: string) =>
  (await (await fetch(`${xero.origin}/__fake/documents/${kind}`)).json()) as Record<string, unknown>[];
const postedCount = async () => {
  const [row] = await db.sql<
    { n: number }[]
  >`select count(*)::int as n from book_postings where status = 'posted'`;
  return row?.n ?? 0;
};

it('books each order and its refund once in QuickBooks and in Xero, through four kill -9s', async () => {
  const expected = 2 * (QBO_ORDERS + XERO_ORDERS);
  const arrivals = (async () => {
    for (let n = 1; n <= Math.max(QBO_ORDERS, XERO_ORDERS); n++) {
      if (n <= QBO_ORDERS) await send('shop', 'crash-us.myshopify.com', n, false);
      if (n <= XERO_ORDERS) await send('shop-xero', 'crash-xero.myshopify.com', n, false);
    }
    for (let n = 1; n <= Math.max(QBO_ORDERS, XERO_ORDERS); n++) {
      if (n <= QBO_ORDERS) await send('shop', 'crash-us.myshopify.com', n, true);
      if (n <= XERO_ORDERS) await send('shop-xero', 'crash-xero.myshopify.com', n, true);
    }
  })();

  const atKill: number[] = [];
  const deadline = Date.now() + 360_000;
  for (let kills = 0; kills < KILLS; kills++) {
    const before = atKill.at(-1) ?? 0;
    while ((await postedCount()) <= before + 2) {
      if (Date.now() > deadline) throw new Error(`no progress after kill ${kills}:\n${hub!.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, Math.random() * 400));
    atKill.push(await postedCount());
    hub!.child.kill('SIGKILL');
    await hub!.exited;
    hub = await startHub(scratch.dir, env());
  }
  await arrivals;
  await eventually('every posting posted', async () => (await postedCount()) === expected, {
    timeoutMs: Math.max(30_000, deadline - Date.now()),
    describe: () => hub!.log().slice(-3000),
  });

  const [receipts, refundReceipts, invoices, payments, notes] = await Promise.all([
    qboDocs('SalesReceipt'),
    qboDocs('RefundReceipt'),
    xeroDocs('invoices'),
    xeroDocs('payments'),
    xeroDocs('creditNotes'),
  ]);
  console.log(
    `books crash test: kills at ${atKill.join(', ')} of ${expected} postings; QuickBooks ${receipts.length} sales receipts, ` +
      `${refundReceipts.length} refund receipts; Xero ${invoices.length} invoices, ${payments.length} payments, ${notes.length} credit notes`,
  );
  expect(
    atKill.filter((n) => n > 0 && n < expected),
    `postings done at each kill: ${atKill}`,
  ).toHaveLength(KILLS);
  // Once each: one document per posting key (QuickBooks keeps it in the private note, Xero in the reference).
  const keysOf = (docs: Record<string, unknown>[], field: string) =>
    docs.map((d) => /(sale|refund):ord_[^\s:]+(:\S+)?/.exec(String(d[field]))?.[0]);
  for (const [docs, field, count] of [
    [receipts, 'PrivateNote', QBO_ORDERS],
    [refundReceipts, 'PrivateNote', QBO_ORDERS],
    [invoices, 'Reference', XERO_ORDERS],
    [notes, 'Reference', XERO_ORDERS],
  ] as const) {
    const keys = keysOf(docs, field);
    expect(keys.filter(Boolean)).toHaveLength(count);
    expect(new Set(keys).size).toBe(count);
  }
  // Each Xero sale paid once (its payment), each credit note paid out once.
  expect(payments).toHaveLength(2 * XERO_ORDERS);
  // The books' totals are the orders': 326.44 a sale, 12.48 a refund.
  expect(new Set(receipts.map((d) => d.TotalAmt))).toEqual(new Set([326.44]));
  expect(new Set(refundReceipts.map((d) => d.TotalAmt))).toEqual(new Set([12.48]));
  const [failed] = await db.sql<
    { n: number }[]
  >`select count(*)::int as n from book_postings where status <> 'posted'`;
  expect(failed!.n).toBe(0);
}, 480_000);
