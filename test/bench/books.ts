import { join } from 'node:path';
import { httpJson } from '@switchyard/connector-http-json';
import { quickbooks } from '@switchyard/connector-quickbooks';
import {
  type AnyConnector,
  applyOrder,
  authorizedAccess,
  type Connection,
  connect,
  connectionContext,
  migrate,
  OrderDraft,
  type OrderDraftInput,
  type ResolvedConnection,
  SecretBox,
  type Sql,
  saveGrant,
  serverLimits,
  startEmbedded,
  syncConfig,
} from '@switchyard/core';
import {
  addDays,
  booksDayWorkflow,
  booksPostingWorkflow,
  dayEnd,
  dayIn,
  resolveBooksPlans,
  startBooksDispatcher,
  startDayStarter,
  startDbosEngine,
} from '@switchyard/workflows';
import { startFake } from '../support/fake-process.ts';
import { scratchDir } from '../support/hub-process.ts';

const QBO = { id: 'ABbench-books', secret: 'bench-books-secret', verifier: 'bench-books-verifier' };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const mapping = {
  accounts: { income: '79', shippingIncome: '84', discounts: '86' },
  clearing: { default: '4' },
  items: { default: '1', shipping: '2' },
  taxes: { byTitle: { 'State Tax': { code: 'TAX', account: '90' } }, exempt: 'NON' },
  customer: { mode: 'single', ref: '58' },
};

/** A paid order of the day: 1-3 mugs, 8 % tax, shipping on three orders in four. */
function order(n: number, placedAt: string): OrderDraftInput {
  const money = (amount: number) => ({ amount, currency: 'USD' });
  const qty = 1 + (n % 3);
  const items = qty * (999 + ((n * 37) % 2000));
  const tax = Math.round(items * 0.08);
  const shipping = n % 4 === 0 ? 0 : 495;
  const total = items + shipping + tax;
  return {
    externalId: `B${n}`,
    externalNumber: `#B${n}`,
    currency: 'USD',
    placedAt,
    updatedAt: placedAt,
    lines: [
      {
        id: 'l1',
        sku: 'MUG-1',
        title: 'Mug',
        quantity: { ordered: qty },
        unitPrice: money(items / qty),
        taxLines: [{ title: 'State Tax', rate: '0.08', amount: money(tax) }],
      },
    ],
    shippingLines: shipping ? [{ code: 'std', title: 'Standard', price: money(shipping) }] : [],
    totals: {
      items: money(items),
      discount: money(0),
      shipping: money(shipping),
      tax: money(tax),
      total: money(total),
    },
    payments: [{ id: 'p1', status: 'captured', gateway: 'shopify_payments', captured: money(total) }],
  };
}

/**
 * Booking a day's orders in QuickBooks Online, one document per order against one journal for the day: the
 * QuickBooks fake in its own process with Intuit's documented limit (500 calls a minute per company, 10 at
 * once), the hub's books workflows on DBOS and the embedded PostgreSQL. Per order is the baseline: its bound is
 * QuickBooks' limit divided by the calls a posting costs (a read before the write, then the create); the
 * summary posts a day in one journal, so its figure is the hub's own work (claiming, adding up, one call).
 */
export async function booksBench(perOrder = 300, perDay = 10_000) {
  const scratch = scratchDir('bench-books');
  const fake = await startFake('../../connectors/quickbooks/test/fakes/quickbooks-server.ts', {
    QUICKBOOKS_FAKE_CLIENT_ID: QBO.id,
    QUICKBOOKS_FAKE_CLIENT_SECRET: QBO.secret,
    QUICKBOOKS_FAKE_VERIFIER_TOKEN: QBO.verifier,
  });
  const embedded = await startEmbedded({ dir: join(scratch.dir, '.switchyard') });
  const sql = connect(embedded.url, { max: 20 });
  const box = SecretBox.fromString(SecretBox.generateKey());
  const clock = { now: new Date() };
  try {
    await migrate(sql);
    const books = {
      clientId: QBO.id,
      apiOrigin: fake.origin,
      oauthOrigin: fake.origin,
      authorizeOrigin: fake.origin,
    };
    const parts: [string, AnyConnector, unknown, Record<string, string>, Record<string, unknown>?][] = [
      [
        'qbo',
        quickbooks as unknown as AnyConnector,
        books,
        { clientSecret: QBO.secret, webhookVerifierToken: QBO.verifier },
      ],
      [
        'qbo-day',
        quickbooks as unknown as AnyConnector,
        books,
        { clientSecret: QBO.secret, webhookVerifierToken: QBO.verifier },
      ],
      [
        'shop',
        httpJson as unknown as AnyConnector,
        { toleranceSeconds: 300 },
        { signingSecret: 'bench-signing-secret' },
        { connection: 'qbo', mode: 'per-order', mapping },
      ],
      [
        'pos',
        httpJson as unknown as AnyConnector,
        { toleranceSeconds: 300 },
        { signingSecret: 'bench-signing-secret' },
        { connection: 'qbo-day', mode: 'daily-summary', timeZone: 'UTC', mapping },
      ],
    ];
    const resolved: ResolvedConnection[] = parts.map(([id, connector, settings, secrets, accounting]) => ({
      id,
      tenantId: 'acme',
      connector: connector.id,
      settings,
      secrets,
      defaultedEnv: [],
      ...(accounting ? { accounting } : {}),
    }));
    await syncConfig(
      sql,
      { tenants: [{ id: 'acme', name: 'Acme' }], connections: resolved, server: serverLimits({}) },
      box,
    );
    const connections = new Map<string, Connection>();
    for (const [id, connector, settings, secrets] of parts) {
      const c: Connection = {
        id,
        tenantId: 'acme',
        connector,
        settings: connector.settings.parse(settings),
        secrets: connector.secrets.parse(secrets),
      };
      if (connector.authorization) {
        const flow = connector.authorization;
        const realm = `93414530502${id === 'qbo' ? '11111' : '22222'}`;
        const tokens = (await (
          await fetch(`${fake.origin}/__fake/tokens`, { method: 'POST', body: JSON.stringify({ realm }) })
        ).json()) as { accessToken: string; refreshToken: string };
        await saveGrant(sql, box, id, { ...tokens, expiresInSeconds: 3600, account: realm });
        c.authorization = authorizedAccess({
          sql,
          box,
          connectionId: id,
          refresh: (t, s) => flow.refresh(connectionContext(c), t, s),
        });
      }
      connections.set(id, c);
    }
    const { plans, issues } = resolveBooksPlans(resolved, new Map(parts.map(([, c]) => [c.id, c])));
    if (issues.length) throw new Error(JSON.stringify(issues));
    const engine = await startDbosEngine({
      databaseUrl: embedded.url,
      executorId: 'bench-books',
      applicationVersion: 'bench',
      workflows: [
        booksPostingWorkflow({ sql, connections, plans }),
        booksDayWorkflow({ sql, connections, plans }),
      ],
      log: () => {},
    });
    const loops = [
      startBooksDispatcher({ sql, engine, plans, log: quiet, everyMs: 100 }),
      startDayStarter({ sql, engine, plans, log: quiet, everyMs: 100, now: () => clock.now }),
    ];
    try {
      await until(sql, `select 1 from books_activation where connection_id = 'pos'`);
      const today = dayIn('UTC', new Date());
      const start = dayEnd('UTC', addDays(today, -1)).getTime();
      const place = (channel: string, n: number, spacing: number) =>
        applyOrder(
          sql,
          { tenantId: 'acme', connectionId: channel, connector: 'http-json' },
          OrderDraft.parse(order(n, new Date(start + 1000 + n * spacing).toISOString())),
          null,
        );

      // Baseline: one document per order, each posted by its workflow.
      const began = performance.now();
      for (let n = 0; n < perOrder; n++) await place('shop', n, 1000);
      await until(
        sql,
        `select 1 from book_postings where books_connection = 'qbo' and status = 'posted' having count(*) = ${perOrder}`,
        900_000,
      );
      const perOrderSeconds = (performance.now() - began) / 1000;

      // The day's summary: the orders imported, then the day closed and its journal posted.
      for (let n = 0; n < perDay; n += 500)
        await Promise.all(
          Array.from({ length: Math.min(500, perDay - n) }, (_, i) => place('pos', n + i, 8)),
        );
      const closed = performance.now();
      clock.now = new Date(dayEnd('UTC', today).getTime() + 3 * 3_600_000);
      await until(sql, `select 1 from book_summaries where status = 'posted'`, 600_000);
      const daySeconds = (performance.now() - closed) / 1000;
      const stats = (await (await fetch(`${fake.origin}/__fake/stats`)).json()) as Record<string, unknown>;

      const callsPerPosting = 2;
      const boundPerSecond = 500 / 60 / callsPerPosting;
      const perOrderRate = perOrder / perOrderSeconds;
      const dayRate = perDay / daySeconds;
      return {
        perOrder: {
          orders: perOrder,
          seconds: Number(perOrderSeconds.toFixed(1)),
          ordersPerSecond: Number(perOrderRate.toFixed(2)),
          quickbooksBoundPerSecond: Number(boundPerSecond.toFixed(2)),
          fractionOfBound: Number((perOrderRate / boundPerSecond).toFixed(3)),
        },
        dailySummary: {
          orders: perDay,
          secondsFromCloseToPosted: Number(daySeconds.toFixed(1)),
          ordersPerSecond: Math.round(dayRate),
          quickbooksCalls: 2,
        },
        ratioSummaryToPerOrder: Number((dayRate / perOrderRate).toFixed(0)),
        fake: stats,
      };
    } finally {
      for (const loop of loops) await loop.stop();
      await engine.stop();
    }
  } finally {
    await sql.end({ timeout: 5 });
    await embedded.stop();
    fake.stop();
    scratch.remove();
  }
}

async function until(sql: Sql, query: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await sql.unsafe(query)).length === 0) {
    if (Date.now() > deadline) throw new Error(`timed out: ${query}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
