import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLimits } from '../config.ts';
import { OrderDraft, TransitionError } from '../order.ts';
import { SecretBox } from '../secrets.ts';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { sampleDraft } from '../testing/fixtures.ts';
import { migrate } from './migrate.ts';
import { listOrders } from './order-list.ts';
import { applyOrder, getOrder } from './orders.ts';
import { loadConnections, syncConfig } from './tenants.ts';

let db: TestDatabase;
const box = SecretBox.fromString(SecretBox.generateKey());
const config = {
  tenants: [
    { id: 'acme', name: 'Acme' },
    { id: 'globex', name: 'Globex' },
  ],
  connections: [
    {
      id: 'acme-web',
      tenantId: 'acme',
      connector: 'http-json',
      settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: 'plain-text-secret-1' },
      defaultedEnv: [],
    },
    {
      id: 'globex-web',
      tenantId: 'globex',
      connector: 'http-json',
      settings: {},
      secrets: { signingSecret: 'plain-text-secret-2' },
      defaultedEnv: [],
    },
  ],
  server: serverLimits({ bodyLimit: 1024 }),
};
const acme = { tenantId: 'acme', connectionId: 'acme-web', connector: 'http-json' };
const globex = { tenantId: 'globex', connectionId: 'globex-web', connector: 'http-json' };

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => db?.drop());

describe('migrations', () => {
  it('apply once, in order, from several processes at once, and are safe to run again', async () => {
    const results = await Promise.all([migrate(db.sql), migrate(db.sql), migrate(db.sql)]);
    const all = readdirSync(new URL('./migrations/', import.meta.url))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(all[0]).toBe('0001_init.sql');
    expect(results.flatMap((r) => r.applied)).toEqual(all);
    expect(await migrate(db.sql)).toEqual({ applied: [], alreadyApplied: all });
  });

  it('refuse to run when an applied migration was edited', async () => {
    await db.sql`update schema_migrations set checksum = 'edited' where name = '0001_init.sql'`;
    await expect(migrate(db.sql)).rejects.toThrow(/migration 0001_init.sql was applied with checksum edited/);
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const original = createHash('sha256')
      .update(readFileSync(new URL('./migrations/0001_init.sql', import.meta.url)))
      .digest('hex');
    await db.sql`update schema_migrations set checksum = ${original} where name = '0001_init.sql'`;
  });
});

describe('connector migrations', () => {
  it('apply after core’s under the connector’s name, and take over a core migration that held their tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-migrations-'));
    try {
      // Run, this file would fail: the table exists, made by the core migration it replaces.
      writeFileSync(join(dir, '0001_widgets.sql'), 'create table widgets (id int primary key);');
      writeFileSync(join(dir, '0002_gadgets.sql'), 'create table gadgets (id int primary key);');
      await db.sql`create table widgets (id int primary key)`;
      await db.sql`insert into schema_migrations (name, checksum) values ('0099_widgets.sql', 'old')`;
      const source = { owner: 'acme', dir, replaces: { '0001_widgets.sql': '0099_widgets.sql' } };
      const result = await migrate(db.sql, [source]);
      expect(result.applied).toEqual(['acme/0002_gadgets.sql']);
      expect(result.alreadyApplied).toContain('acme/0001_widgets.sql');
      const names = (await db.sql<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['acme/0001_widgets.sql', 'acme/0002_gadgets.sql']));
      expect(names).not.toContain('0099_widgets.sql');
      expect(await migrate(db.sql, [source])).toMatchObject({ applied: [] });
      // A hub without that connector does not know its migrations, and says which connector is missing.
      await expect(migrate(db.sql)).rejects.toThrow(
        /the database has migration acme\/0001_widgets.sql, which this hub does not know \(is the connector acme installed\?\)/,
      );
    } finally {
      await db.sql`delete from schema_migrations where name like 'acme/%'`;
      await db.sql`drop table if exists widgets, gadgets`;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tenants and connections', () => {
  it('stores connection secrets encrypted and opens them with the key', async () => {
    await syncConfig(db.sql, config, box);
    const [row] = await db.sql<{ secrets: string }[]>`select secrets from connections where id = 'acme-web'`;
    expect(row!.secrets).toMatch(/^v1\./);
    expect(row!.secrets).not.toContain('plain-text-secret-1');
    const loaded = await loadConnections(db.sql, box);
    expect(loaded.map((c) => [c.id, c.secrets.signingSecret])).toEqual([
      ['acme-web', 'plain-text-secret-1'],
      ['globex-web', 'plain-text-secret-2'],
    ]);
  });

  it('deactivates a connection removed from the config and brings it back when re-added', async () => {
    await syncConfig(db.sql, { ...config, connections: [config.connections[0]!] }, box);
    expect((await loadConnections(db.sql, box)).map((c) => c.id)).toEqual(['acme-web']);
    await syncConfig(db.sql, config, box);
    expect((await loadConnections(db.sql, box)).map((c) => c.id)).toEqual(['acme-web', 'globex-web']);
  });
});

describe('orders', () => {
  const apply = (source: typeof acme, ...args: Parameters<typeof sampleDraft>) =>
    db.sql.begin((tx) => applyOrder(tx, source, OrderDraft.parse(sampleDraft(...args)), null));

  it('creates version 1 with a timeline event, keeping a 2^53+ id exact', async () => {
    const r = await apply(acme, '9007199254740993');
    expect(r).toMatchObject({ result: 'created', version: 1 });
    const found = await getOrder(db.sql, 'acme', r.orderId);
    expect(found!.order).toMatchObject({
      id: r.orderId,
      externalId: '9007199254740993',
      tenantId: 'acme',
      version: 1,
      source: { connectionId: 'acme-web' },
    });
    expect(found!.timeline).toEqual([expect.objectContaining({ version: 1, type: 'order.created' })]);
  });

  it('changes nothing for an identical delivery and ignores an older one', async () => {
    const created = await apply(acme, 'A-1', { updatedAt: '2026-11-20T12:00:00Z' });
    expect(await apply(acme, 'A-1', { updatedAt: '2026-11-20T12:00:00Z' })).toMatchObject({
      result: 'unchanged',
      version: 1,
    });
    expect(await apply(acme, 'A-1', { updatedAt: '2026-11-20T11:00:00Z', note: 'older' })).toMatchObject({
      result: 'stale',
      version: 1,
    });
    const found = await getOrder(db.sql, 'acme', created.orderId);
    expect(found!.order.note).toBeUndefined();
    expect(found!.timeline).toHaveLength(1);
  });

  it('applies a newer version, bumps the version and records what changed', async () => {
    const created = await apply(acme, 'A-2');
    const updated = await apply(acme, 'A-2', {
      updatedAt: '2026-11-21T10:00:00Z',
      status: 'accepted',
      note: 'gift',
    });
    expect(updated).toEqual({ result: 'updated', orderId: created.orderId, version: 2 });
    const found = await getOrder(db.sql, 'acme', created.orderId);
    expect(found!.order).toMatchObject({ version: 2, status: 'accepted', note: 'gift' });
    expect(found!.timeline.map((e) => e.type)).toEqual(['order.created', 'order.status_changed']);
    expect(found!.timeline[1]!.data).toEqual({
      changed: expect.arrayContaining(['note', 'status', 'updatedAt']),
      status: { from: 'placed', to: 'accepted' },
    });
  });

  it('keeps the buyer details a redacted later read lacks, and only when the source says it redacts', async () => {
    const buyer = {
      customer: { email: 'ann@example.com', name: 'Ann Buyer', phone: '555-0100' },
      shippingAddress: {
        name: 'Ann Buyer',
        line1: '1 Main St',
        city: 'Austin',
        postalCode: '78701',
        country: 'US',
      },
    };
    const created = await apply(acme, 'A-R', { updatedAt: '2026-11-20T12:00:00Z', ...buyer });
    // Ninety days on, the marketplace serves the order without name, phone, email and street.
    const redacted = {
      customer: {},
      shippingAddress: { city: 'Austin', postalCode: '78701', country: 'US' },
      buyerRedacted: true as const,
    };
    await apply(acme, 'A-R', { updatedAt: '2026-11-21T12:00:00Z', status: 'shipped', ...redacted });
    let found = (await getOrder(db.sql, 'acme', created.orderId))!.order;
    expect(found).toMatchObject({ status: 'shipped', ...buyer });
    const [row] = await db.sql<
      { customer_email: string }[]
    >`select customer_email from orders where id = ${created.orderId}`;
    expect(row!.customer_email).toBe('ann@example.com');
    // A source that does not say so replaces the details as it gives them.
    await apply(acme, 'A-R', { updatedAt: '2026-11-22T12:00:00Z', status: 'shipped', customer: {} });
    found = (await getOrder(db.sql, 'acme', created.orderId))!.order;
    expect(found.customer).toEqual({});
  });

  it('refuses an illegal status change and leaves the order as it was', async () => {
    const created = await apply(acme, 'A-3', { status: 'delivered' });
    await expect(
      apply(acme, 'A-3', { status: 'cancelled', updatedAt: '2026-11-22T00:00:00Z' }),
    ).rejects.toThrow(TransitionError);
    expect((await getOrder(db.sql, 'acme', created.orderId))!.order).toMatchObject({
      status: 'delivered',
      version: 1,
    });
  });

  it('creates one order when the same new order arrives concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => apply(acme, 'RACE-1')));
    expect(new Set(results.map((r) => r.orderId)).size).toBe(1);
    expect(results.filter((r) => r.result === 'created')).toHaveLength(1);
  });

  it('pages through orders created in one transaction (same created_at) without skipping any', async () => {
    await db.sql.begin(async (tx) => {
      for (let i = 0; i < 25; i++)
        await applyOrder(tx, acme, OrderDraft.parse(sampleDraft(`SAME-TX-${i}`)), null);
    });
    const seen = new Set<string>();
    let after: string | null = null;
    do {
      const page = await listOrders(db.sql, 'acme', { limit: 4, after });
      for (const o of page.orders) seen.add(o.externalId);
      after = page.next;
    } while (after);
    expect([...seen].filter((id) => id.startsWith('SAME-TX-'))).toHaveLength(25);
  });

  it('lists one tenant’s orders only, newest first, page by page', async () => {
    for (let i = 0; i < 7; i++) await apply(globex, `G-${i}`);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await listOrders(db.sql, 'globex', { limit: 3, after });
      seen.push(...page.orders.map((o) => o.externalId));
      after = page.next;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(['G-6', 'G-5', 'G-4', 'G-3', 'G-2', 'G-1', 'G-0']);
    const acmeIds = (await listOrders(db.sql, 'acme', { limit: 500 })).orders.map((o) => o.externalId);
    expect(acmeIds.some((id) => id.startsWith('G-'))).toBe(false);
    const anAcmeOrder = (await listOrders(db.sql, 'acme', { limit: 1 })).orders[0]!;
    expect(await getOrder(db.sql, 'globex', anAcmeOrder.id)).toBeUndefined();
    expect(
      (await listOrders(db.sql, 'acme', { status: 'delivered' })).orders.map((o) => o.externalId),
    ).toEqual(['A-3']);
  });
});
