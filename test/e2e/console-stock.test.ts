import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { allocateStock, appendOrderEvent, applyMovements, getOrder } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { RoutingRules, routeOrder, StockLocation } from '@switchyard/mappings';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePages, launchChromium } from '../support/console-pages.ts';
import { cli, type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The console's Stock pages and an order's Routing section in a real browser: Debian's Chromium driven by
 * playwright-core, against the real hub binary on a database of its own. One tenant `demo` with a signed JSON
 * channel and three locations: `east` (a warehouse in Newark), `west` (a store in Los Angeles) and `north` (a 3PL
 * that ships to Canada only). Stock is received through the CLI and the ledger; an order that each of east and
 * west can only half supply is routed as its workflow would (the router's decision, the reservations and the
 * timeline event), so its page shows what a real split order shows. Screenshots go to test-results/console/.
 */
const example = readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'), 'utf8');

const LOCATIONS = [
  {
    id: 'east',
    tenant: 'demo',
    name: 'Newark warehouse',
    kind: 'warehouse',
    address: {
      company: 'Demo East',
      street1: '1 Market St',
      city: 'Newark',
      state: 'NJ',
      zip: '07102',
      country: 'US',
    },
  },
  {
    id: 'west',
    tenant: 'demo',
    name: 'Los Angeles store',
    kind: 'store',
    address: {
      company: 'Demo West',
      street1: '800 Alameda St',
      city: 'Los Angeles',
      state: 'CA',
      zip: '90021',
      country: 'US',
    },
  },
  {
    id: 'north',
    tenant: 'demo',
    name: 'Toronto 3PL',
    kind: '3pl',
    countries: ['CA'],
    address: { street1: '290 Bremner Blvd', city: 'Toronto', state: 'ON', zip: 'M5V 3L9', country: 'CA' },
  },
];

const CONFIG = `import { defineConfig, env } from '@switchyard/core';

export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo merchant' }],
  connections: [
    { id: 'demo', tenant: 'demo', connector: 'http-json', settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: env('DEMO_WEBHOOK_SECRET', { default: 'dev-secret' }) } },
  ],
  locations: ${JSON.stringify(LOCATIONS, null, 2)},
});
`;

const scratch = scratchDir('console-stock');
let db: TestDatabase;
let hub: HubProcess;
let browser: Browser;
let operatorKey: string;
let viewerKey: string;
/** The routed order: its id, and which location each of its two shipments leaves from. */
const routed = { orderId: '', second: { from: '', sku: '', quantity: 0 }, other: '' };

const { signIn, shot, heading } = consolePages(() => hub.url);

/** A table's rows (not its "nothing here" row), each as its cells' text. */
async function rows(table: Locator): Promise<string[][]> {
  return table
    .locator('tbody tr:not(.empty-row)')
    .evaluateAll((trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim()),
      ),
    );
}

/** Balances as the Stock page lists them: SKU, location, on hand, reserved, available. */
async function balances(page: Page): Promise<string[][]> {
  return (await rows(page.locator('table.list').first())).map(([sku, loc, onHand, reserved, , available]) => [
    sku!,
    loc!,
    onHand!,
    reserved!,
    available!,
  ]);
}

/** Nothing wider than the viewport: a phone scrolls down, never sideways. */
async function fitsWidth(page: Page) {
  return page.locator('html').evaluate((html) => html.scrollWidth <= html.clientWidth);
}

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  writeFileSync(join(scratch.dir, 'switchyard.config.ts'), CONFIG);
  const env = { DATABASE_URL: db.url, SWITCHYARD_SECRET_KEY: undefined };
  hub = await startHub(scratch.dir, env);
  browser = await launchChromium();
  // Keys as the README says: the CLI prints one once.
  const key = (role: string) => {
    const r = cli(scratch.dir, ['keys', 'create', '--tenant', 'demo', '--role', role], env);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  operatorKey = key('operator');
  viewerKey = key('viewer');
  // Stock as a merchant receives it: the shirts at east through the CLI, the rest straight into the ledger.
  const received = cli(
    scratch.dir,
    ['inventory', 'receive', 'TSHIRT-BLK-M', 'east', '10', '--reason', 'PO 1001'],
    env,
  );
  expect(received.code, received.stderr).toBe(0);
  expect(received.stdout).toContain('TSHIRT-BLK-M at east: on hand 10');
  const move = (sku: string, locationId: string, kind: 'receipt' | 'count', quantity: number) => ({
    tenantId: 'demo',
    sku,
    locationId,
    kind,
    quantity,
    reason: kind === 'receipt' ? 'PO 1002' : 'cycle count',
    actor: 'test',
    idempotencyKey: `seed:${sku}:${locationId}`,
  });
  // One batch is applied in (SKU, location) order: the count comes after the receipts, in a batch of its own.
  await applyMovements(db.sql, [
    move('MUG-12OZ', 'west', 'receipt', 6),
    move('MUG-16OZ', 'east', 'receipt', 4),
  ]);
  // Counted empty at east: a balance with none to promise.
  await applyMovements(db.sql, [move('MUG-12OZ', 'east', 'count', 0)]);
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

describe('the console’s stock and routing pages in Chromium', { timeout: 60_000 }, () => {
  it('routes an order split across east and west as its workflow would', async () => {
    // 2 × TSHIRT-BLK-M (only east has it) and 1 × MUG-12OZ (only west has one to promise).
    const body = JSON.stringify({ ...JSON.parse(example), id: 'WEB-STOCK-1', number: '#STOCK-1' });
    const res = await fetch(`${hub.url}/webhooks/demo`, {
      method: 'POST',
      body,
      headers: signedHeaders('dev-secret', body),
    });
    expect(res.status).toBe(200);
    await expect
      .poll(
        async () =>
          (
            await db.sql<{ id: string }[]>`
              select id from orders where tenant_id = 'demo' and external_id = 'WEB-STOCK-1'`
          )[0]?.id,
      )
      .toBeTruthy();
    const [row] = await db.sql<{ id: string }[]>`
      select id from orders where tenant_id = 'demo' and external_id = 'WEB-STOCK-1'`;
    const orderId = row!.id;
    const order = (await getOrder(db.sql, 'demo', orderId))!.order;
    const lines = order.lines.map((l) => ({ lineId: l.id, sku: l.sku!, quantity: l.quantity.ordered }));
    const locations = LOCATIONS.map((l) => StockLocation.parse(l));
    const to = order.shippingAddress!;
    // The route-order step: its key as the engine derives it, the decision and reservations in one transaction.
    const key = `order:${orderId}/route-order`;
    const { decision, shipments } = await allocateStock(db.sql, {
      tenantId: 'demo',
      orderId,
      key,
      skus: lines.map((l) => l.sku),
      locations: locations.map((l) => l.id),
      decide: (available) =>
        routeOrder({
          channel: order.source.connectionId,
          destination: { country: to.country!, ...(to.postalCode ? { postalCode: to.postalCode } : {}) },
          lines,
          locations,
          available,
          rules: RoutingRules.parse({}),
        }),
    });
    await appendOrderEvent(db.sql, {
      orderId,
      type: 'order.routed',
      data: {
        round: 1,
        outcome: decision.outcome,
        summary: decision.summary,
        candidates: decision.candidates,
        shipments: shipments.map((s) => ({ n: s.n, locationId: s.locationId, lines: s.lines })),
        backordered: decision.backordered,
        cancelled: decision.cancelled,
      },
      stepKey: key,
    });
    expect(decision.outcome).toBe('split');
    expect(
      shipments.map((s) => [s.locationId, s.lines.map((l) => `${l.quantity} × ${l.sku}`)]).sort(),
    ).toEqual([
      ['east', ['2 × TSHIRT-BLK-M']],
      ['west', ['1 × MUG-12OZ']],
    ]);
    const second = shipments.find((s) => s.n === 2)!;
    routed.orderId = orderId;
    routed.second = {
      from: second.locationId,
      sku: second.lines[0]!.sku,
      quantity: second.lines[0]!.quantity,
    };
    // The other of the two: the one that holds none of shipment 2's SKU.
    routed.other = second.locationId === 'east' ? 'west' : 'east';
  });

  it('lists stock by SKU and location with on hand, reserved and available, and filters by SKU prefix', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, operatorKey);
    await page.getByRole('link', { name: 'Stock', exact: true }).click();
    await heading(page, 'Stock');
    await expect
      .poll(() => balances(page))
      .toEqual([
        ['MUG-12OZ', 'east', '0', '0', '⚠ 0 · none to promise'],
        ['MUG-12OZ', 'west', '6', '1', '5'],
        ['MUG-16OZ', 'east', '4', '0', '4'],
        ['TSHIRT-BLK-M', 'east', '10', '2', '8'],
      ]);
    // None to promise is said in words with a symbol, not by colour alone.
    expect(await page.locator('table.list .status-short').textContent()).toBe('⚠ 0 · none to promise');
    await shot(page, 'stock');
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'stock-375');
    expect(await fitsWidth(page)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByLabel('SKU starts with').fill('MUG-');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.url()).toContain('sku=MUG-');
    await expect
      .poll(async () => (await balances(page)).map(([sku, loc]) => `${sku}@${loc}`))
      .toEqual(['MUG-12OZ@east', 'MUG-12OZ@west', 'MUG-16OZ@east']);
    // With "only with none to promise" too: the empty shelf alone.
    await page.getByLabel('Only with none to promise').check();
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.url()).toContain('short=1');
    await expect
      .poll(async () => (await balances(page)).map(([sku, loc]) => `${sku}@${loc}`))
      .toEqual(['MUG-12OZ@east']);
    await page.getByLabel('SKU starts with').fill('NOTHING-');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.url()).toContain('sku=NOTHING-');
    await page.getByText('No balances match.').waitFor();
    await context.close();
  });

  it('shows a SKU at each location and the movements behind its figures, newest first', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, operatorKey);
    await page.goto(`${hub.url}/console/stock?sku=MUG-12OZ`);
    await page.getByRole('link', { name: 'MUG-12OZ' }).first().click();
    await heading(page, 'Stock of MUG-12OZ');
    const facts = page.locator('dl.facts');
    expect((await facts.textContent())!.replace(/\s+/g, ' ')).toMatch(
      /On hand ?6 ?Reserved ?1 ?Available ?5/,
    );
    const [levels, movements] = [page.locator('table.list').nth(0), page.locator('table.list').nth(1)];
    expect((await rows(levels)).map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['east', '0', '0', '⚠ 0 · none to promise'],
      ['west', '6', '1', '5'],
    ]);
    // When, location, kind, quantity, on hand change, reserved change, balance after, reason, source.
    const seen = (await rows(movements)).map((r) => r.slice(1));
    expect(seen).toEqual([
      ['west', 'reservation', '1', '0', '+1', '6 on hand, 1 reserved', '—', `order ${routed.orderId}`],
      ['east', 'count', 'counted 0', '0', '0', '0 on hand, 0 reserved', 'cycle count', 'test'],
      ['west', 'receipt', '6', '+6', '0', '6 on hand, 0 reserved', 'PO 1002', 'test'],
    ]);
    // The reservation links to the order that holds the unit.
    expect(await movements.getByRole('link', { name: `order ${routed.orderId}` }).getAttribute('href')).toBe(
      `/console/orders/${encodeURIComponent(routed.orderId)}`,
    );
    // One location's movements only.
    await page
      .getByRole('form', { name: 'Movements at one location' })
      .getByLabel('Location')
      .selectOption('west');
    await page.getByRole('button', { name: 'Show' }).click();
    await heading(page, 'Stock of MUG-12OZ');
    await expect.poll(() => page.url()).toContain('location=west');
    await expect
      .poll(async () => (await rows(movements)).map((r) => r[2]))
      .toEqual(['reservation', 'receipt']);
    await page.getByRole('heading', { name: 'Movements at west, newest first' }).waitFor();
    await context.close();
  });

  it('shows the order’s routing: the summary, each candidate’s verdict and reasons, both shipments', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, operatorKey);
    await page.goto(`${hub.url}/console/orders?q=${encodeURIComponent('#STOCK-1')}`);
    await page.getByRole('link', { name: '#STOCK-1' }).click();
    await heading(page, 'Order #STOCK-1');
    const decision = page.getByRole('region', { name: 'Routing decision: As imported' });
    expect(await decision.locator('h3').textContent()).toMatch(/^As imported · split · /);
    const summary = (await decision.locator('p').first().textContent())!;
    const [stored] = await db.sql<{ decision: { summary: string } }[]>`
      select decision from order_routings where order_id = ${routed.orderId}`;
    expect(summary).toBe(stored!.decision.summary);
    expect(summary).toMatch(/east/);
    expect(summary).toMatch(/west/);
    const candidates = await rows(decision.locator('table.list'));
    // Location, verdict, units it has, distance, why.
    expect(candidates.map((c) => [c[0], c[1]]).sort()).toEqual([
      ['east', '✓ chosen'],
      ['north', '✗ rejected'],
      ['west', '✓ chosen'],
    ]);
    for (const c of candidates) expect(c[4]!.length, `reasons of ${c[0]}`).toBeGreaterThan(0);
    const byId = new Map(candidates.map((c) => [c[0], c]));
    expect(byId.get('east')![2]).toBe('2');
    expect(byId.get('west')![2]).toBe('1');
    expect(byId.get('east')![3]).toMatch(/^\d+ km$/);
    expect(byId.get('west')![3]).toMatch(/^\d+ km$/);
    expect(byId.get('north')![4]).toMatch(/CA/);
    const shipments = page.locator('section[aria-labelledby="routing"] > .table-wrap table.list');
    // #, leaves from, status, lines, units held, move.
    const listed = (await rows(shipments)).map((r) => r.slice(0, 5));
    expect(listed.map((r) => [r[0], r[2]])).toEqual([
      ['1', '… planned'],
      ['2', '… planned'],
    ]);
    expect(listed.map((r) => [r[1], r[3], r[4]]).sort()).toEqual([
      ['east', '2 × TSHIRT-BLK-M', '2'],
      ['west', '1 × MUG-12OZ', '1'],
    ]);
    expect(listed[1]![1]).toBe(routed.second.from);
    // A planned shipment can be moved; the line links to its SKU's stock.
    expect(await page.getByRole('button', { name: 'Move shipment 1' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Move shipment 2' }).count()).toBe(1);
    expect(await shipments.getByRole('link', { name: 'MUG-12OZ' }).getAttribute('href')).toBe(
      '/console/stock/skus/MUG-12OZ',
    );
    // The timeline has the decision as the workflow writes it.
    expect(await page.locator('ol.timeline').textContent()).toContain('order.routed');
    await page.locator('#routing').scrollIntoViewIfNeeded();
    await shot(page, 'order-routing');
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'order-routing-375');
    expect(await fitsWidth(page)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Shipment 2 to the location that lacks its SKU: refused in words, nothing moved.
    await page.getByLabel('Move shipment 2 to').selectOption(routed.other);
    await page.getByRole('button', { name: 'Move shipment 2' }).click();
    await expect
      .poll(() => page.locator('#messages').textContent())
      .toContain(
        `${routed.other} cannot promise ${routed.second.quantity} × ${routed.second.sku} (has 0). choose a location that holds every line of the shipment, or receive stock there first`,
      );
    await heading(page, 'Order #STOCK-1');
    expect(await page.locator('#messages').textContent()).not.toMatch(/failed; the hub log/);
    expect((await rows(shipments))[1]![1]).toBe(routed.second.from);
    await shot(page, 'order-reroute-refused');
    await context.close();
  });

  it('records a receipt through the form, and the figure follows; a moved shipment then holds there', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, operatorKey);
    // Shipment 2's SKU received where it was lacking.
    await page.goto(`${hub.url}/console/stock/skus/${encodeURIComponent(routed.second.sku)}`);
    await heading(page, `Stock of ${routed.second.sku}`);
    const form = page.getByRole('group', { name: 'Record a movement' });
    await form.getByLabel('Kind').selectOption('receipt');
    expect(await form.getByLabel('SKU').inputValue()).toBe(routed.second.sku);
    await form.getByLabel('Location').selectOption(routed.other);
    await form.getByLabel('Quantity').fill('3');
    await form.getByLabel(/^Reason/).fill('PO 1003');
    await form.getByRole('button', { name: 'Record' }).click();
    await expect
      .poll(() => page.locator('#messages').textContent())
      .toContain(
        `receipt of 3 recorded; ${routed.second.sku} at ${routed.other}: on hand 3, reserved 0, safety 0, available 3`,
      );
    await heading(page, `Stock of ${routed.second.sku}`);
    const levels = page.locator('table.list').nth(0);
    await expect
      .poll(async () => (await rows(levels)).find((r) => r[0] === routed.other)?.slice(1, 5))
      .toEqual(['3', '0', '0', '3']);
    const newest = (await rows(page.locator('table.list').nth(1)))[0]!;
    expect(newest.slice(1, 4)).toEqual([routed.other, 'receipt', '3']);
    expect(newest[7]).toBe('PO 1003');
    await shot(page, 'stock-sku');
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'stock-sku-375');
    expect(await fitsWidth(page)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Now shipment 2 moves there: reserved where it goes, released where it was.
    await page.goto(`${hub.url}/console/orders/${encodeURIComponent(routed.orderId)}`);
    await heading(page, 'Order #STOCK-1');
    await page.getByLabel('Move shipment 2 to').selectOption(routed.other);
    await page.getByRole('button', { name: 'Move shipment 2' }).click();
    await expect
      .poll(() => page.locator('#messages').textContent())
      .toContain(
        `shipment 2 of order ${routed.orderId} now leaves from ${routed.other} (was ${routed.second.from})`,
      );
    await heading(page, 'Order #STOCK-1');
    const shipments = page.locator('section[aria-labelledby="routing"] > .table-wrap table.list');
    expect((await rows(shipments))[1]!.slice(0, 2)).toEqual(['2', routed.other]);
    await page.goto(`${hub.url}/console/stock?sku=${encodeURIComponent(routed.second.sku)}`);
    await heading(page, 'Stock');
    const q = String(routed.second.quantity);
    expect((await balances(page)).filter(([sku]) => sku === routed.second.sku)).toEqual(
      [
        [routed.second.sku, routed.other, '3', q, String(3 - routed.second.quantity)],
        [
          routed.second.sku,
          routed.second.from,
          routed.second.sku === 'MUG-12OZ' ? '6' : '10',
          '0',
          routed.second.sku === 'MUG-12OZ' ? '6' : '10',
        ],
      ].sort((a, b) => a[1]!.localeCompare(b[1]!)),
    );
    await context.close();
  });

  it('shows a viewer the figures and no form', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context, viewerKey);
    await page.goto(`${hub.url}/console/stock`);
    await heading(page, 'Stock');
    expect((await balances(page)).length).toBeGreaterThanOrEqual(4);
    expect(await page.locator('form.stock-form').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Record' }).count()).toBe(0);
    await page.goto(`${hub.url}/console/stock/skus/MUG-12OZ`);
    await heading(page, 'Stock of MUG-12OZ');
    expect(await rows(page.locator('table.list').nth(1))).not.toHaveLength(0);
    expect(await page.locator('form.stock-form').count()).toBe(0);
    await page.goto(`${hub.url}/console/orders/${encodeURIComponent(routed.orderId)}`);
    await heading(page, 'Order #STOCK-1');
    await page.getByRole('region', { name: 'Routing decision: As imported' }).waitFor();
    expect(await page.getByRole('button', { name: /^Move shipment/ }).count()).toBe(0);
    await context.close();
  });
});
