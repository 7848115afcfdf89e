import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePages, launchChromium } from '../support/console-pages.ts';
import { cli, type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The operator console in a real browser: Debian's Chromium driven by playwright-core, against the real hub
 * binary on a database of its own. Two tenants: `demo` (a signed JSON channel, a Shopify store that cannot be
 * reached, an X12 partner) and `other` (its own JSON channel). Screenshots of every page go to
 * test-results/console/.
 */
const example = readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'), 'utf8');
const edi850 = readFileSync(join(repoRoot, 'connectors/x12/examples/850.edi'));

const CONFIG = `import { defineConfig, env } from '@switchyard/core';

export default defineConfig({
  tenants: [
    { id: 'demo', name: 'Demo merchant' },
    { id: 'other', name: 'Another merchant' },
  ],
  connections: [
    { id: 'demo', tenant: 'demo', connector: 'http-json', settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: env('DEMO_WEBHOOK_SECRET', { default: 'dev-secret' }) } },
    { id: 'shop', tenant: 'demo', connector: 'shopify',
      settings: { shop: 'switchyard-demo.myshopify.com', apiOrigin: 'http://127.0.0.1:9' },
      secrets: { clientSecret: env('SHOPIFY_CLIENT_SECRET', { default: 'dev-shopify-secret' }),
                 accessToken: env('SHOPIFY_ACCESS_TOKEN', { default: 'shpat_dev_token' }) } },
    { id: 'retailer', tenant: 'demo', connector: 'x12',
      settings: {
        partner: { qualifier: 'ZZ', id: 'RETAILER' }, us: { qualifier: 'ZZ', id: 'DEMOSUPPLY' }, version: '004010',
        transport: { kind: 'http', url: 'http://127.0.0.1:9/retailer-edi' },
        items: [{ buyerPartNumber: 'BP-100', sku: 'MUG-1' }, { upc: '012345678905', sku: 'CUP-2' }],
        locations: [{ code: '0042', name: 'Retailer Store 42', line1: '100 Main St', city: 'Columbus',
                      region: 'OH', postalCode: '43004' }],
      },
      secrets: { inboundToken: env('RETAILER_EDI_TOKEN', { default: 'dev-retailer-token-0123456789' }) } },
    { id: 'other-shop', tenant: 'other', connector: 'http-json', settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: env('OTHER_WEBHOOK_SECRET', { default: 'other-secret' }) } },
  ],
  server: { bodyLimit: '5mb' },
});
`;

const scratch = scratchDir('console');
let db: TestDatabase;
let hub: HubProcess;
let browser: Browser;
let demoKey: string;
let otherKey: string;
let viewerKey: string;

function order(id: string, number: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...JSON.parse(example), id, number, ...extra });
}

async function post(connection: string, secret: string, body: string) {
  const res = await fetch(`${hub.url}/webhooks/${connection}`, {
    method: 'POST',
    body,
    headers: signedHeaders(secret, body),
  });
  const answer = (await res.json().catch(() => ({}))) as { exceptionId?: string };
  return { status: res.status, exceptionId: answer.exceptionId };
}

const { signIn, shot, heading } = consolePages(() => hub.url);

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  writeFileSync(join(scratch.dir, 'switchyard.config.ts'), CONFIG);
  hub = await startHub(scratch.dir, { DATABASE_URL: db.url, SWITCHYARD_SECRET_KEY: undefined });
  // Keys as the README says: the CLI prints one once.
  const env = { DATABASE_URL: db.url, SWITCHYARD_SECRET_KEY: undefined };
  const key = (tenant: string, role: string) => {
    const r = cli(scratch.dir, ['keys', 'create', '--tenant', tenant, '--role', role], env);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  demoKey = key('demo', 'operator');
  otherKey = key('other', 'operator');
  viewerKey = key('demo', 'viewer');
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
  await db?.drop();
  scratch.remove();
});

describe('the operator console in Chromium', { timeout: 180_000 }, () => {
  const ids: Record<string, string> = {};

  it('receives orders, a payload it cannot map, an X12 850 and another tenant’s exception', async () => {
    expect((await post('demo', 'dev-secret', order('WEB-100234', '#100234'))).status).toBe(200);
    expect((await post('demo', 'dev-secret', order('WEB-100235', '#100235'))).status).toBe(200);
    const half = await post('demo', 'dev-secret', '{"id": "HALF-AN-ORDER", ');
    expect(half.status).toBe(202);
    ids.half = half.exceptionId!;
    // Two more that fail normalization: the filtered set a bulk replay takes.
    for (const n of [1, 2]) {
      const bad = await post('demo', 'dev-secret', order(`BAD-${n}`, `#BAD-${n}`, { placedAt: 'yesterday' }));
      expect(bad.status).toBe(202);
      ids[`bad${n}`] = bad.exceptionId!;
    }
    const other = await post('other-shop', 'other-secret', '{"id": "OTHER-TENANT-ONLY", ');
    expect(other.status).toBe(202);
    ids.other = other.exceptionId!;
    const edi = await fetch(`${hub.url}/edi/retailer`, {
      method: 'POST',
      body: edi850,
      headers: {
        authorization: 'Bearer dev-retailer-token-0123456789',
        'content-type': 'application/edi-x12',
      },
    });
    expect(edi.status).toBeLessThan(300);
  });

  it('refuses a wrong key, then signs in with a session cookie that holds no key, under a strict policy', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const violations: string[] = [];
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const res = await page.goto(`${hub.url}/console/sign-in`);
    expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('API key').fill('sy_not_a_real_key_000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('unknown or revoked');
    await shot(page, 'sign-in');
    await page.getByLabel('API key').fill(demoKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Overview');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'sy_console')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(session.value).not.toContain(demoKey.slice(3, 12));
    // The open-exceptions counter arrives by server-sent events.
    await expect.poll(() => page.locator('#open-count').textContent(), { timeout: 10_000 }).toMatch(/3/);
    await page.getByText('demo: 2 orders in the hour').waitFor();
    await shot(page, 'overview');
    // A POST without the CSRF token is refused, even with the session cookie.
    const forged = await page.request.post(`${hub.url}/console/exceptions/${ids.half}/replay`, {
      form: { nothing: '1' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('finds an order by its external number and opens its timeline and raw delivery', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    await page.getByRole('link', { name: 'Orders' }).click();
    await heading(page, 'Orders');
    await shot(page, 'orders');
    await page.getByLabel('External id or number').fill('#100234');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('table.list tbody tr:not(.empty-row)').count()).toBe(1);
    await page.getByRole('link', { name: '#100234' }).click();
    await heading(page, 'Order #100234');
    const timeline = page.locator('ol.timeline > li');
    await expect.poll(() => timeline.count()).toBeGreaterThanOrEqual(1);
    expect(await timeline.first().textContent()).toContain('order.created');
    await shot(page, 'order-detail');
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'order-detail-375');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page
      .getByRole('link', { name: /^Delivery \d+$/ })
      .first()
      .click();
    await heading(page, /^Delivery \d+$/);
    expect(await page.locator('pre.payload').textContent()).toContain('"WEB-100234"');
    await shot(page, 'delivery');
    await context.close();
  });

  it('shows a new exception without reload, checks an edit as JSON, and replays the corrected payload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    await page.getByRole('link', { name: /^Exceptions/ }).click();
    await heading(page, 'Exceptions');
    expect(await page.locator(`#exc-${ids.half}`).count()).toBe(1);
    expect(await page.locator(`#exc-${ids.other}`).count()).toBe(0);
    // Recorded while the page is open: the live stream adds its row.
    const late = await post('demo', 'dev-secret', '{"id": "LATE-ARRIVAL"');
    ids.late = late.exceptionId!;
    await page.locator(`#exc-${ids.late}`).waitFor({ timeout: 15_000 });
    await shot(page, 'exceptions');
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'exceptions-375');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.locator(`#exc-${ids.half} a`).click();
    await heading(page, `Exception ${ids.half}`);
    const editor = page.getByLabel(/^Payload/);
    await editor.fill('{"id": "still broken", ');
    await page.getByRole('button', { name: 'Save edit and replay' }).click();
    await expect.poll(() => page.locator('#payload-error').textContent()).toContain('Not valid JSON');
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'exception-invalid-json');
    await editor.fill(order('WEB-EDITED-1', '#EDITED-1'));
    await page.getByRole('button', { name: 'Save edit and replay' }).click();
    await expect
      .poll(() => page.locator('#messages').textContent(), { timeout: 15_000 })
      .toMatch(/resolved, 1 order imported/);
    await page.locator('.facts .status-resolved').waitFor();
    await shot(page, 'exception-detail');

    await page.goto(`${hub.url}/console/orders?q=${encodeURIComponent('#EDITED-1')}`);
    await page.getByRole('link', { name: '#EDITED-1' }).waitFor();
    await context.close();
  });

  it('bulk-replays the exceptions a filter selects, following the job to its end', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    await page.goto(`${hub.url}/console/exceptions`);
    await page.locator('.filters select[name="connection"]').selectOption('demo');
    await page.locator('.filters select[name="kind"]').selectOption('normalize');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain('connection=demo');
    // BAD-1, BAD-2 and the late arrival: the edited one is resolved, the other tenant's is not ours.
    const bulk = page.getByRole('button', { name: /Replay all 3 matching/ });
    await bulk.waitFor();
    await bulk.click();
    await heading(page, /^Bulk replay of demo · job /);
    const figures = page.locator('.job-figures');
    await expect.poll(() => figures.getAttribute('data-job-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(await figures.textContent()).toMatch(/3 of 3 done/);
    await shot(page, 'bulk-replay-job');

    // Select two rows by hand and replay just those.
    await page.goto(`${hub.url}/console/exceptions?connection=demo`);
    await page.locator('input[data-pick-all="exceptions"]').check();
    await page.getByRole('button', { name: 'Replay selected' }).click();
    await expect
      .poll(() => page.locator('#messages').textContent(), { timeout: 15_000 })
      .toMatch(/replayed 3: 0 resolved, 3 still failing/);
    await context.close();
  });

  it('resolves one exception and ignores another, each with its reason', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    for (const [id, status, reason] of [
      [ids.bad1!, 'resolved', 're-keyed by hand in the channel'],
      [ids.bad2!, 'ignored', 'a test order the merchant deleted'],
    ] as const) {
      await page.goto(`${hub.url}/console/exceptions/${id}`);
      await heading(page, `Exception ${id}`);
      const close = page.getByRole('group', { name: 'Close without replaying' });
      await close.locator('select[name="status"]').selectOption(status);
      await close.locator('input[name="reason"]').fill(reason);
      await close.getByRole('button', { name: 'Close' }).click();
      await expect.poll(() => page.locator('#messages').textContent()).toContain(`${id} marked ${status}`);
      await page.locator(`.facts .status-${status}`).waitFor();
      expect(await page.locator('.facts').textContent()).toContain(reason);
      // Closed: nothing left to act with.
      expect(await page.getByRole('button', { name: 'Replay as stored' }).count()).toBe(0);
    }
    await shot(page, 'exception-ignored');
    // Out of the open inbox, in the ignored one.
    await page.goto(`${hub.url}/console/exceptions?status=ignored`);
    await page.locator(`#exc-${ids.bad2}`).waitFor();
    expect(await page.locator(`#exc-${ids.bad1}`).count()).toBe(0);
    await context.close();
  });

  it('shows connections with sync and backfill, and the EDI documents', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    await page.getByRole('link', { name: 'Connections' }).click();
    await heading(page, 'Connections');
    const shop = page.locator('li.card', { has: page.getByRole('heading', { name: /^shop/ }) });
    await shop.getByLabel('Backfill from').fill('2026-01-01');
    await shop.getByRole('button', { name: 'Backfill' }).click();
    await expect
      .poll(() => page.locator('#messages').textContent())
      .toMatch(/backfill from 2026-01-01 of shop queued/);
    ids.backfill = /as job (job_\w+)/.exec((await page.locator('#messages').textContent()) ?? '')![1]!;
    // The bar follows the job without a reload: queued, then taken up by the runner (the store cannot be
    // reached, so it retries and fails in its own time).
    expect(await shop.locator('progress').count()).toBe(1);
    await expect
      .poll(() => shop.locator('.job-figures').getAttribute('data-job-status'), { timeout: 30_000 })
      .toMatch(/running|succeeded|failed/);
    await shot(page, 'connections');
    await page.getByRole('link', { name: 'EDI' }).click();
    await heading(page, 'EDI');
    await page.getByRole('cell', { name: 'ZZ:RETAILER' }).waitFor();
    await expect
      .poll(() => page.locator('table.list').nth(1).locator('tbody tr:not(.empty-row)').count())
      .toBeGreaterThan(0);
    await shot(page, 'edi');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${hub.url}/console`);
    await heading(page, 'Overview');
    await shot(page, 'overview-375');
    await context.close();
  });

  it('cancels the running backfill from the jobs page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    const job = ids.backfill!;
    await page.getByRole('link', { name: 'Jobs' }).click();
    await heading(page, 'Jobs');
    await page.locator(`#job-${job}`).waitFor();
    await shot(page, 'jobs');
    // The store cannot be reached: the backfill retries for a while, running, until it is cancelled.
    const cancel = page.getByRole('button', { name: `Cancel Backfill of shop (job ${job})` });
    await cancel.click();
    await expect.poll(() => page.locator('#messages').textContent()).toContain(`(job ${job}) cancelled`);
    expect(await page.locator(`#job-${job} .job-figures`).getAttribute('data-job-status')).toBe('cancelled');
    expect(await cancel.count()).toBe(0);
    await page.getByRole('link', { name: /^Backfill of shop$/ }).click();
    await heading(page, `Backfill of shop · job ${job}`);
    await page.getByRole('link', { name: 'Audit entries of this job' }).click();
    await heading(page, 'Audit log');
    expect(await page.locator('ol.audit > li .audit-action').allTextContents()).toEqual(['job.cancel']);
    await shot(page, 'job-audit');
    await context.close();
  });

  it('shows an EDI document one segment a line, and resends it when its delivery gave up', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    await page.getByRole('link', { name: 'EDI' }).click();
    await heading(page, 'EDI');
    const documents = page.locator('table.list').nth(1);
    await documents.locator('tbody tr:not(.empty-row)').first().waitFor();
    const first = documents.locator('tbody tr:not(.empty-row) td:first-child a').first();
    const kind = (await first.textContent())!.trim();
    await first.click();
    await heading(page, new RegExp(`^EDI ${kind} · document \\d+$`));
    const id = /document (\d+)$/.exec((await page.locator('h1').textContent())!)![1]!;
    const x12 = (await page.locator('pre.x12').textContent())!.split('\n');
    expect(x12[0]).toMatch(/^ISA\*/);
    expect(x12.some((line) => line.startsWith(`ST*${kind}*`))).toBe(true);
    expect(x12.at(-1)).toMatch(/^IEA\*/);
    await shot(page, 'edi-document');

    // The outbox gives up only after hours of retries: a delivery that gave up, as the outbox leaves it.
    await db.sql`update edi_documents
                 set status = 'failed', attempts = 8, last_error = 'connection refused (http://127.0.0.1:9/retailer-edi)'
                 where id = ${id}`;
    await page.reload();
    await page.getByText('connection refused (http://127.0.0.1:9/retailer-edi)').waitFor();
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'edi-document-375');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: `Resend document ${id}` }).click();
    await expect
      .poll(() => page.locator('#messages').textContent())
      .toContain(`document ${id} (${kind}) queued again`);
    await heading(page, new RegExp(`document ${id}$`));
    expect(await page.getByRole('button', { name: `Resend document ${id}` }).count()).toBe(0);
    await context.close();
  });

  it('shows the edit-and-replay in the audit log, with the payload before and after', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, demoKey);
    await page.goto(`${hub.url}/console/exceptions/${ids.half}`);
    await page.getByRole('link', { name: 'Audit entries of this exception' }).click();
    await heading(page, 'Audit log');
    const entries = page.locator('ol.audit > li');
    // Newest first: the replay of the edited payload, then the edit.
    await expect.poll(() => entries.count()).toBe(2);
    expect(await entries.nth(0).locator('.audit-action').textContent()).toBe('exception.replay');
    const edit = entries.nth(1);
    expect(await edit.locator('.audit-action').textContent()).toBe('exception.edit');
    await edit.locator('summary').click();
    const [before, after] = [
      edit.locator('.before-after pre').nth(0),
      edit.locator('.before-after pre').nth(1),
    ];
    expect(await before.textContent()).toContain('HALF-AN-ORDER');
    expect(await after.textContent()).toContain('"id": "WEB-EDITED-1"');
    await shot(page, 'audit-exception');

    // The whole log, filtered by action from the navigation.
    await page.getByRole('link', { name: 'Audit log' }).click();
    // The same heading: wait for the unfiltered page itself.
    await expect.poll(() => page.url()).toBe(`${hub.url}/console/audit`);
    await expect.poll(() => page.locator('.filters input[name="targetId"]').inputValue()).toBe('');
    await page.locator('.filters select[name="action"]').selectOption('exception.ignore');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain('action=exception.ignore');
    await expect.poll(() => entries.count()).toBe(1);
    expect(await entries.first().textContent()).toContain(ids.bad2!);
    await page.goto(`${hub.url}/console/audit`);
    await entries.first().locator('summary').click();
    await shot(page, 'audit');
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'audit-375');
    await context.close();
  });

  it('shows a viewer no action, and another tenant none of it', async () => {
    const viewer = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const seen = await signIn(viewer, viewerKey);
    await seen.goto(`${hub.url}/console/exceptions/${ids.late}`);
    await heading(seen, `Exception ${ids.late}`);
    expect(await seen.getByRole('button', { name: /replay/i }).count()).toBe(0);
    await viewer.close();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, otherKey);
    await page.goto(`${hub.url}/console/orders`);
    await heading(page, 'Orders');
    expect(await page.locator('table.list tbody tr:not(.empty-row)').count()).toBe(0);
    await page.goto(`${hub.url}/console/orders?q=${encodeURIComponent('#100234')}`);
    expect(await page.locator('table.list tbody tr:not(.empty-row)').count()).toBe(0);
    await page.goto(`${hub.url}/console/exceptions?status=all`);
    expect(await page.locator(`#exc-${ids.other}`).count()).toBe(1);
    expect(await page.locator('table.list tbody tr:not(.empty-row)').count()).toBe(1);
    // Another tenant's exception by its id: answered as one that does not exist.
    await page.goto(`${hub.url}/console/exceptions/${ids.half}`);
    await heading(page, 'Exceptions');
    expect(await page.locator('#messages').textContent()).toContain(
      `tenant other has no exception ${ids.half}`,
    );
    await page.goto(`${hub.url}/console/connections`);
    expect(await page.getByRole('heading', { name: /^shop/ }).count()).toBe(0);
    await page.goto(`${hub.url}/console/edi`);
    expect(await page.getByRole('cell', { name: 'ZZ:RETAILER' }).count()).toBe(0);
    await page.goto(`${hub.url}/console/audit`);
    await heading(page, 'Audit log');
    // Its own key's creation (by the CLI), nothing of the other tenant's.
    expect(await page.locator('ol.audit .audit-action').allTextContents()).toEqual(['key.create']);
    await page.goto(`${hub.url}/console/jobs`);
    await heading(page, 'Jobs');
    expect(await page.locator('section.job').count()).toBe(0);
    await context.close();
  });
});
