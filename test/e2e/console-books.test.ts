import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { saleKey } from '@switchyard/workflows';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePages, launchChromium } from '../support/console-pages.ts';
import { eventually } from '../support/eventually.ts';
import { startFake } from '../support/fake-process.ts';
import { cli, type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * A books connection as an operator sees it (issue 15, "reconnect needed shows in the console"): the real hub
 * binary, the real CLI and the QuickBooks Online fake in its own process (API, token endpoint and consent page
 * on one origin, driven under /__fake/). The merchant authorizes `books` through the real flow (the CLI's
 * consent link, the fake's consent page, the hub's /oauth/callback); a paid order of the signed JSON channel
 * `shop` is posted as a sales receipt; QuickBooks then refuses the grant, so the next order's posting parks and
 * the console says "reconnect needed" naming it; an operator presses "Authorize again" in the console, goes
 * through the consent page in the browser, and the parked posting is posted. The steps build on each other
 * and run in order. Screenshots go to test-results/console/.
 */
const CLIENT_ID = 'ABconsole-books-client';
const CLIENT_SECRET = 'console-books-secret-0123456789';
const VERIFIER = 'console-books-verifier-0123456789';
const SIGNING_SECRET = 'console-books-signing-secret';
const REALM = '9341453050291515';
/** What one step may take on a busy 2-core machine: a posting waits for the dispatcher's and the engine's turns. */
const WAIT = { timeout: 60_000, interval: 250 };

const example = readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'), 'utf8');
const scratch = scratchDir('console-books');
let fake: Awaited<ReturnType<typeof startFake>>;
let db: TestDatabase;
let hub: HubProcess;
let browser: Browser;
let viewerKey: string;
let operatorKey: string;
const env = () => ({
  DATABASE_URL: db.url,
  SWITCHYARD_SECRET_KEY: undefined,
  QBO_CLIENT_SECRET: CLIENT_SECRET,
  QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
  SHOP_SIGNING_SECRET: SIGNING_SECRET,
});
const { signIn, shot, heading } = consolePages(() => hub.url);

/** The fake's controls (control-routes.ts). */
async function control(path: string, body?: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(`${fake.origin}/__fake/${path}`, {
    method: body ? 'POST' : 'GET',
    ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  expect(res.status, `${path} at the fake`).toBe(200);
  return res.json();
}

/** The sales receipts QuickBooks holds for an order (the posting's key is in PrivateNote). */
async function receiptsOf(orderId: string): Promise<unknown[]> {
  const docs = (await control(`documents?entity=SalesReceipt&realm=${REALM}`)) as { PrivateNote?: string }[];
  return docs.filter((d) => String(d.PrivateNote ?? '').includes(saleKey(orderId)));
}

/**
 * What the merchant's browser does with a consent link: the fake's consent page answers 302 to the hub's
 * callback with code, state and realmId, and the hub's page says what happened. Returns that page's HTML.
 */
async function consent(url: string): Promise<string> {
  expect(url.startsWith(`${fake.origin}/connect/oauth2?`), url).toBe(true);
  const page = await fetch(url, { redirect: 'manual' });
  expect(page.status).toBe(302);
  const back = new URL(page.headers.get('location') ?? '');
  expect(`${back.origin}${back.pathname}`).toBe(`${hub.url}/oauth/callback`);
  expect(back.searchParams.get('realmId')).toBe(REALM);
  const callback = await fetch(back);
  const html = await callback.text();
  expect(callback.status, html).toBe(200);
  return html;
}

/** Posts a paid order (payment captured: a sales receipt) to the channel, signed, and returns the hub's order id. */
async function placeOrder(externalId: string): Promise<string> {
  const now = new Date().toISOString();
  const body = JSON.stringify({
    ...JSON.parse(example),
    id: externalId,
    number: `#${externalId}`,
    placedAt: now,
    updatedAt: now,
  });
  const res = await fetch(`${hub.url}/webhooks/shop`, {
    method: 'POST',
    body,
    headers: signedHeaders(SIGNING_SECRET, body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  // The answer names the hub's id of the order, which the Books page links to.
  const answer = (await res.json()) as { status: string; orders: { id: string; result: string }[] };
  expect(answer).toMatchObject({ status: 'accepted', orders: [{ result: 'created' }] });
  const orderId = answer.orders[0]!.id;
  const [row] = await db.sql<{ external_id: string }[]>`select external_id from orders where id = ${orderId}`;
  expect(row?.external_id).toBe(externalId);
  return orderId;
}

/** The Books page's row of an order's document (its cells' text, one line), read fresh. */
async function postingRow(page: Page, orderId: string): Promise<string> {
  await page.goto(`${hub.url}/console/books`);
  await heading(page, 'Books');
  const row = page.locator('tbody tr', { hasText: orderId });
  if (!(await row.count())) return '';
  return (await row.first().innerText()).replace(/\s+/g, ' ');
}

/** The `books` card of the Connections page, read fresh. */
async function booksCard(page: Page): Promise<string> {
  await page.goto(`${hub.url}/console/connections`);
  await heading(page, 'Connections');
  return (await cardOf(page).innerText()).replace(/\s+/g, ' ');
}
const cardOf = (page: Page) =>
  page.locator('li.card', { has: page.locator('h2', { hasText: '(quickbooks)' }) });

/** A browser context for one test, closed after it. */
async function withContext(run: (context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await run(context);
  } finally {
    await context.close();
  }
}

beforeAll(async () => {
  fake = await startFake('../../connectors/quickbooks/test/fakes/quickbooks-server.ts', {
    QUICKBOOKS_FAKE_CLIENT_ID: CLIENT_ID,
    QUICKBOOKS_FAKE_CLIENT_SECRET: CLIENT_SECRET,
    QUICKBOOKS_FAKE_VERIFIER_TOKEN: VERIFIER,
    QUICKBOOKS_FAKE_REALM: REALM,
  });
  db = await createTestDatabase({ migrate: false });
  // No server.publicUrl: the hub's port is only known once it listens, so the CLI is given it with --url and
  // the console takes it from the request; both make the redirect URI <hub>/oauth/callback.
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo merchant' }],
  connections: [
    { id: 'books', tenant: 'demo', connector: 'quickbooks',
      settings: { clientId: '${CLIENT_ID}', apiOrigin: '${fake.origin}', oauthOrigin: '${fake.origin}',
        authorizeOrigin: '${fake.origin}' },
      secrets: { clientSecret: env('QBO_CLIENT_SECRET'), webhookVerifierToken: env('QBO_WEBHOOK_VERIFIER_TOKEN') } },
    { id: 'shop', tenant: 'demo', connector: 'http-json', settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: env('SHOP_SIGNING_SECRET') },
      accounting: {
        connection: 'books',
        mode: 'per-order',
        mapping: {
          accounts: { income: '79', shippingIncome: '84', discounts: '86' },
          clearing: { default: '4' },
          items: { default: '1', shipping: '2' },
          taxes: { exempt: 'NON', default: { code: 'TAX', account: '90' } },
          customer: { mode: 'single', ref: '58' },
        },
      } },
  ],
});
`,
  );
  hub = await startHub(scratch.dir, env(), 120_000);
  // Keys as the README says: the CLI prints one once.
  const key = (role: string) => {
    const r = cli(scratch.dir, ['keys', 'create', '--tenant', 'demo', '--role', role], env());
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  viewerKey = key('viewer');
  operatorKey = key('operator');
  // Orders imported before accounting is switched on are history, never posted: wait for its first turn.
  await eventually(
    'accounting activated',
    async () => (await db.sql`select 1 from books_activation where connection_id = 'shop'`).length > 0,
    { timeoutMs: 60_000, describe: () => hub.log() },
  );
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
  fake?.stop();
  await db?.drop();
  scratch.remove();
});

describe('a books connection in the console', { timeout: 180_000 }, () => {
  const orders = { first: '', parked: '' };

  it('is authorized through the CLI’s consent link, and the Connections page shows the company', async () => {
    expect(hub.log()).toMatch(/posting to the books.*shop->books \(per-order\)/);
    const started = cli(
      scratch.dir,
      ['connections', 'authorize', 'books', '--no-wait', '--json', '--url', hub.url],
      env(),
    );
    expect(started.code, started.stderr).toBe(0);
    const link = JSON.parse(started.stdout) as { url: string; redirectUri: string };
    expect(link.redirectUri).toBe(`${hub.url}/oauth/callback`);
    const html = await consent(link.url);
    expect(html).toContain('<h1>Connected</h1>');
    expect(html).toContain(`books is connected to QuickBooks Online`);
    expect(html).toContain(REALM);
    expect(hub.log()).toContain('connection authorized');

    await withContext(async (context) => {
      const page = await signIn(context, viewerKey);
      const card = await booksCard(page);
      expect(card).toContain('✓ authorized');
      expect(card).toContain(`(${REALM})`);
      expect(card).toContain('✓ healthy');
      expect(card).toMatch(/0 posted · 0 pending · 0 parked · 0 failed/);
      // A viewer may look, not authorize.
      expect(
        await cardOf(page)
          .getByRole('button', { name: /Authorize/ })
          .count(),
      ).toBe(0);
      await shot(page, 'books-authorized');
    });
  });

  it('lists the sales receipt of a paid order on the Books page once QuickBooks has it', async () => {
    orders.first = await placeOrder('BOOKS-1001');
    await withContext(async (context) => {
      const page = await signIn(context, viewerKey);
      await expect.poll(() => postingRow(page, orders.first), WAIT).toMatch(/sales-receipt .*posted/);
      const row = await postingRow(page, orders.first);
      // The document number, QuickBooks' id, the example order's total and QuickBooks' own total agreeing.
      expect(row).toMatch(/sales-receipt BOOKS-1001 \(\d+\) books 69\.24 USD 69\.24 USD/);
      await shot(page, 'books-posted');
    });
    expect(await receiptsOf(orders.first)).toHaveLength(1);
  });

  it('parks the next posting when QuickBooks refuses the grant, and says reconnect needed', async () => {
    // The merchant disconnected the app in QuickBooks: the refresh token is refused (invalid_grant) and the
    // access token no longer works. The hub's copy is made expired too, so its next call refreshes first.
    await control('revoke', { realm: REALM });
    await control('expire-tokens', { realm: REALM });
    await db.sql`update connection_grants set access_expires_at = now() - interval '1 minute'
      where connection_id = 'books'`;
    orders.parked = await placeOrder('BOOKS-1002');

    await withContext(async (context) => {
      const page = await signIn(context, viewerKey);
      await expect.poll(() => postingRow(page, orders.parked), WAIT).toMatch(/sales-receipt .*parked/);
      await shot(page, 'books-parked');

      await expect.poll(() => booksCard(page), WAIT).toContain('✗ reconnect needed');
      const card = await booksCard(page);
      expect(card).toContain('⚠ trouble');
      expect(card).toMatch(
        /reconnect needed: .*; 1 posting parked until you run switchyard connections authorize books \(or Authorize again in the console\)/,
      );
      expect(card).toMatch(/1 posted · 0 pending · 1 parked · 0 failed/);
      expect(card).not.toContain(CLIENT_SECRET);
      await shot(page, 'books-reconnect-needed');
    });

    // The same through the API, for a monitor.
    const res = await fetch(`${hub.url}/api/v1/connections`, {
      headers: { authorization: `Bearer ${viewerKey}` },
    });
    expect(res.status).toBe(200);
    const items = ((await res.json()) as { items: Record<string, unknown>[] }).items;
    expect(items.find((c) => c.id === 'books')).toMatchObject({
      authorization: { state: 'reconnect-needed', account: REALM },
      books: { postings: { posted: 1, parked: 1 } },
      trouble: expect.stringMatching(/1 posting parked until you run switchyard connections authorize books/),
    });
    // Nothing reached QuickBooks for the parked order.
    expect(await receiptsOf(orders.parked)).toHaveLength(0);
  });

  it('is authorized again from the console, and the parked posting is posted', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, operatorKey);
      await booksCard(page);
      await cardOf(page).getByRole('button', { name: 'Authorize again' }).click();
      await heading(page, 'Authorize books');
      const link = page.getByRole('link', { name: 'Continue to QuickBooks Online' });
      const href = (await link.getAttribute('href')) ?? '';
      expect(await page.locator('main code').first().innerText()).toBe(`${hub.url}/oauth/callback`);
      await shot(page, 'books-authorize-again');

      expect(href.startsWith(`${fake.origin}/connect/oauth2?`), href).toBe(true);

      // The operator follows the link in the browser: the consent page sends it back to the hub's callback.
      await link.click();
      await heading(page, 'Connected');
      expect(page.url().startsWith(`${hub.url}/oauth/callback?`), page.url()).toBe(true);
      expect(new URL(page.url()).searchParams.get('realmId')).toBe(REALM);
      expect(await page.locator('body').innerText()).toContain('books is connected to QuickBooks Online');
      await shot(page, 'books-connected');

      await expect.poll(() => postingRow(page, orders.parked), WAIT).toMatch(/sales-receipt .*posted/);
      await shot(page, 'books-reposted');

      await expect.poll(() => booksCard(page), WAIT).toContain('✓ authorized');
      const card = await booksCard(page);
      // The refused refresh and the call turned away count among the vendor calls that failed (the card may
      // still say so for 15 minutes), but nothing waits for the merchant any more.
      expect(card).not.toContain('reconnect needed');
      expect(card).not.toContain('parked until');
      expect(card).toMatch(/2 posted · 0 pending · 0 parked · 0 failed/);
      await shot(page, 'books-authorized-again');
    });
    // Posted once: the parked posting was not booked twice.
    expect(await receiptsOf(orders.parked)).toHaveLength(1);
    expect(await receiptsOf(orders.first)).toHaveLength(1);
  });
});
