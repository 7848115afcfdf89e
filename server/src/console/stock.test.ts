import {
  allocateStock,
  applyMovement,
  applyOrder,
  createApiKey,
  OrderDraft,
  serverLimits,
} from '@switchyard/core';
import { createTestDatabase, sampleDraft, type TestDatabase } from '@switchyard/core/testing';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { consoleRoutes } from './index.ts';

/** The console's Stock pages and an order's Routing section, over a real database: acme has east and west. */
let db: TestDatabase;
let app: Hono;
const keys: Record<string, string> = {};
let orderId: string;
const address = { street1: '1 Dock Rd', city: 'Newark', zip: '07102', country: 'US' };

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into tenants (id, name) values ('acme', 'Acme'), ('globex', 'Globex')`;
  await db.sql`insert into connections (id, tenant_id, connector) values ('acme-shop', 'acme', 'http-json')`;
  for (const [name, tenantId, role] of [
    ['acme', 'acme', 'operator'],
    ['viewer', 'acme', 'viewer'],
    ['globex', 'globex', 'operator'],
  ] as const) {
    keys[name] = (await createApiKey(db.sql, { tenantId, role, createdBy: 'test' })).secret;
  }
  const move = (tenantId: string, sku: string, locationId: string, quantity: number, key: string) =>
    db.sql.begin((tx) =>
      applyMovement(tx, { tenantId, sku, locationId, kind: 'receipt', quantity, idempotencyKey: key }),
    );
  // 55 balances: more than the page of 50.
  for (let i = 0; i < 54; i++)
    await move('acme', `BULK-${String(i).padStart(2, '0')}`, 'east', 1, `bulk-${i}`);
  await move('acme', 'MUG', 'east', 2, 'mug-east');
  await move('acme', 'MUG', 'west', 10, 'mug-west');
  await move('globex', 'GLOBEX-ONLY', 'north', 3, 'globex');
  const draft = OrderDraft.parse(sampleDraft('A-1', { externalNumber: '#1001' }));
  orderId = (
    await applyOrder(
      db.sql,
      { tenantId: 'acme', connectionId: 'acme-shop', connector: 'http-json' },
      draft,
      null,
    )
  ).orderId;
  await allocateStock(db.sql, {
    tenantId: 'acme',
    orderId,
    key: `order:${orderId}:route-order`,
    skus: ['MUG'],
    locations: ['east', 'west'],
    decide: () => ({
      outcome: 'single',
      summary: 'Shipped whole from east, the nearest with every line.',
      candidates: [
        {
          locationId: 'east',
          verdict: 'chosen',
          reasons: ['has all 2 units', 'nearest: 12 km'],
          distanceKm: 12,
          has: 2,
        },
        {
          locationId: 'west',
          verdict: 'passed-over',
          reasons: ['has all 2 units too, but is 3,900 km away'],
          has: 2,
        },
      ],
      shipments: [{ locationId: 'east', lines: [{ lineId: '1', sku: 'MUG', quantity: 2 }] }],
    }),
  });
  const hub = {
    sql: db.sql,
    connections: new Map(),
    config: {
      tenants: [],
      connections: [],
      locations: [
        { id: 'east', tenant: 'acme', kind: 'warehouse', address },
        { id: 'west', tenant: 'acme', kind: 'store', address },
        { id: 'north', tenant: 'globex', kind: 'warehouse', address },
      ],
      server: serverLimits({ bodyLimit: 1 << 20 }),
    },
  };
  app = new Hono().route('/console', consoleRoutes(hub as never, createLogger({ level: 'error' })));
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

/** A browser's cookie jar, in a few lines (as console.test.ts keeps one). */
class Browser {
  cookies = new Map<string, string>();
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await app.request(`http://hub.test/console${path}`, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [name, value] = line.split(';')[0]!.split('=') as [string, string];
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
  async text(path: string): Promise<string> {
    const res = await this.fetch(path);
    expect(res.status, path).toBe(200);
    return res.text();
  }
  static async signedIn(key: string): Promise<Browser> {
    const browser = new Browser();
    const form = await (await browser.fetch('/sign-in')).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
    await browser.fetch('/sign-in', { method: 'POST', body: new URLSearchParams({ _csrf: token, key }) });
    return browser;
  }
  /** Posts a page's form: its CSRF token and idempotency key as the page gave them, with `fields`. */
  async post(page: string, action: string, fields: Record<string, string>): Promise<Response> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const key = /name="key" value="([^"]+)"/.exec(page)?.[1];
    return this.fetch(action, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf, ...(key ? { key } : {}), ...fields }),
    });
  }
}

describe('the Stock page', () => {
  it('lists balances by SKU and location, a page at a time, with the nav entry', async () => {
    const browser = await Browser.signedIn(keys.acme!);
    const first = await browser.text('/stock');
    expect(first).toMatch(/<a href="\/console\/stock" aria-current="page">Stock<\/a>/);
    expect(first).toContain('href="/console/stock/skus/BULK-00"');
    expect(first).not.toContain('GLOBEX-ONLY');
    const next = /href="\/console(\/stock\?cursor=[^"]+)"/.exec(first)![1]!;
    const second = await browser.text(next.replaceAll('&amp;', '&'));
    expect(second).toContain('href="/console/stock/skus/MUG"');
    expect(second).not.toContain('BULK-00');
    expect(second).toContain('← First page');
    const west = await browser.text('/stock?location=west');
    expect(west.match(/data-label="SKU"/g)).toHaveLength(1);
    // Every table cell names its column: a phone shows the rows as label/value blocks.
    expect(west).toContain('data-label="Available"');
  });

  it('says in words when nothing is left to promise', async () => {
    const browser = await Browser.signedIn(keys.acme!);
    const short = await browser.text('/stock?short=1');
    expect(short).toContain('href="/console/stock/skus/MUG"');
    expect(short).toContain('⚠ </span>0 · none to promise');
    expect(short).not.toContain('BULK-');
  });
});

describe('the SKU page', () => {
  it('shows each location and the movements behind the figures, newest first, with the order linked', async () => {
    const browser = await Browser.signedIn(keys.viewer!);
    const page = await browser.text('/stock/skus/MUG');
    expect(page).toContain('<h1>Stock of MUG</h1>');
    const rows = [...page.matchAll(/<tr id="movement-\d+">([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
    expect(rows.map((r) => /data-label="Kind">(\w+)</.exec(r)![1])).toEqual([
      'reservation',
      'receipt',
      'receipt',
    ]);
    expect(rows[0]).toContain(`href="/console/orders/${orderId}"`);
    expect(rows[0]).toContain('2 on hand, 2 reserved');
    // A viewer reads; the form to record is an operator's.
    expect(page).not.toContain('Record a movement');
  });

  it("answers another tenant's SKU as one it does not hold", async () => {
    const browser = await Browser.signedIn(keys.acme!);
    const res = await browser.fetch('/stock/skus/GLOBEX-ONLY');
    expect(res.status).toBe(303);
    expect(await browser.text('/stock')).toContain(
      'tenant acme holds no stock of SKU &quot;GLOBEX-ONLY&quot;',
    );
  });

  it('records a receipt from the form once, with its CSRF token, however often it is sent', async () => {
    const browser = await Browser.signedIn(keys.acme!);
    const page = await browser.text('/stock/skus/MUG');
    expect(page).toContain('Record a movement');
    const fields = { kind: 'receipt', sku: 'MUG', location: 'west', quantity: '5', reason: 'PO 77' };
    const forged = await browser.fetch('/stock/movements', {
      method: 'POST',
      body: new URLSearchParams(fields),
    });
    expect(forged.status).toBe(403);
    const sent = await browser.post(page, '/stock/movements', fields);
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/console/stock/skus/MUG');
    const after = await browser.text('/stock/skus/MUG');
    expect(after).toContain('receipt of 5 recorded; MUG at west: on hand 15');
    expect(after).toContain('PO 77');
    await browser.post(page, '/stock/movements', fields);
    expect(await browser.text('/stock/skus/MUG')).toContain(
      'this form was sent before: nothing was recorded again',
    );
    await browser.post(page, '/stock/movements', { ...fields, location: 'north' });
    expect(await browser.text('/stock/skus/MUG')).toContain('tenant acme has no location &quot;north&quot;');
  });
});

describe("an order's Routing section", () => {
  it('explains the decision and lists the shipments; the viewer gets no form', async () => {
    const viewer = await Browser.signedIn(keys.viewer!);
    const page = await viewer.text(`/orders/${orderId}`);
    expect(page).toContain('<h2 id="routing">Routing</h2>');
    expect(page).toContain('Shipped whole from east, the nearest with every line.');
    expect(page).toContain('has all 2 units too, but is 3,900 km away');
    expect(page).toContain('12 km');
    expect(page).toMatch(/status-chosen[^>]*><span aria-hidden="true">✓ <\/span>chosen/);
    expect(page).toContain('passed-over');
    expect(page).not.toContain('Move shipment');
  });

  it('moves a planned shipment from the form, and says where it leaves from now', async () => {
    const browser = await Browser.signedIn(keys.acme!);
    const page = await browser.text(`/orders/${orderId}`);
    expect(page).toContain(`action="/console/orders/${orderId}/shipments/1/reroute"`);
    const res = await browser.post(page, `/orders/${orderId}/shipments/1/reroute`, { to: 'west' });
    expect(res.status).toBe(303);
    const after = await browser.text(`/orders/${orderId}`);
    expect(after).toContain(`shipment 1 of order ${orderId} now leaves from west (was east)`);
    expect(after).toMatch(/data-label="Leaves from">west</);

    const viewer = await Browser.signedIn(keys.viewer!);
    const seen = await viewer.text(`/orders/${orderId}`);
    await viewer.post(seen, `/orders/${orderId}/shipments/1/reroute`, { to: 'east' });
    expect(await viewer.text(`/orders/${orderId}`)).toContain('rerouting a shipment needs the operator role');
  });
});
