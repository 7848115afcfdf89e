import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, IntakeOutcome } from './intake.ts';
import { IntakeQueue } from './intake-queue.ts';
import { SecretBox } from './secrets.ts';
import { listExceptions } from './store/exceptions.ts';
import { getOrder, listOrders } from './store/orders.ts';
import { syncConfig } from './store/tenants.ts';
import { createTestDatabase, type TestDatabase } from './testing/database.ts';
import { jsonRequest, testConnector } from './testing/fixtures.ts';

let db: TestDatabase;
const { connector } = testConnector({
  reject: (body) => (body.sku === 'BAD' ? 'SKU BAD is not mapped' : undefined),
});
const connection: Connection = { id: 'shop', tenantId: 'acme', connector, settings: {}, secrets: {} };

beforeAll(async () => {
  db = await createTestDatabase();
  await syncConfig(
    db.sql,
    {
      tenants: [{ id: 'acme', name: 'Acme' }],
      connections: [
        { id: 'shop', tenantId: 'acme', connector: 'test-json', settings: {}, secrets: {}, defaultedEnv: [] },
      ],
      server: { bodyLimit: 1024 },
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
});
afterAll(async () => db?.drop());

const count = async (table: 'inbox' | 'orders' | 'order_events' | 'exceptions') =>
  Number((await db.sql.unsafe<{ n: string }[]>(`select count(*) as n from ${table}`))[0]!.n);

describe('IntakeQueue (group commit)', () => {
  it('writes a burst of new orders in a few transactions, each answered as if alone', async () => {
    const queue = new IntakeQueue(db.sql, { concurrency: 2 });
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        queue.receive(connection, jsonRequest({ id: `B-${i}`, updatedAt: '2026-11-20T10:00:00Z' })),
      ),
    );
    expect(outcomes.every((o) => o.status === 'accepted')).toBe(true);
    expect(queue.stats()).toMatchObject({ deliveries: 60, fallbacks: 0 });
    expect(queue.stats().batches).toBeLessThan(60);
    const ids = outcomes.map((o) => (o as Extract<IntakeOutcome, { status: 'accepted' }>).orders[0]!.orderId);
    const found = await getOrder(db.sql, 'acme', ids[59]!);
    expect(found!.order.externalId).toBe('B-59');
    expect(found!.timeline).toEqual([
      expect.objectContaining({ type: 'order.created', version: 1, inboxId: expect.any(String) }),
    ]);
  });

  it('gives every delivery in a mixed burst the outcome it would get alone', async () => {
    await new IntakeQueue(db.sql).receive(connection, jsonRequest({ id: 'EXISTING', status: 'delivered' }));
    const before = {
      inbox: await count('inbox'),
      orders: await count('orders'),
      exceptions: await count('exceptions'),
    };
    const queue = new IntakeQueue(db.sql, { concurrency: 1 });
    const burst = [
      { id: 'M-1' },
      { id: 'M-1' }, // the same delivery twice in one batch
      { id: 'M-2', sku: 'BAD' }, // cannot be mapped
      { ignore: true, n: 1 }, // nothing to import
      { id: 'EXISTING', status: 'closed', updatedAt: '2026-11-21T00:00:00Z' }, // an update: general path
      { id: 'EXISTING', status: 'placed', updatedAt: '2026-11-22T00:00:00Z' }, // an illegal change: refused
      { id: 'M-3' },
    ];
    // The first delivery goes alone; the rest queue behind it and form one batch.
    const outcomes = await Promise.all(burst.map((b) => queue.receive(connection, jsonRequest(b))));
    expect(outcomes.map((o) => o.status)).toEqual(
      [
        'accepted',
        'accepted',
        'duplicate',
        'exception',
        'ignored',
        'accepted',
        'exception',
        'accepted',
      ].slice(1),
    );
    expect(outcomes[2]).toMatchObject({ message: 'SKU BAD is not mapped' });
    expect(outcomes[4]).toMatchObject({ orders: [{ result: 'updated', version: 2 }] });
    expect(outcomes[5]).toMatchObject({
      message: expect.stringContaining('cannot go from "closed" to "placed"'),
    });
    expect(queue.stats().fallbacks).toBeGreaterThan(0);

    expect(await count('inbox')).toBe(before.inbox + 6);
    expect(await count('orders')).toBe(before.orders + 2);
    expect(await count('exceptions')).toBe(before.exceptions + 2);
    const open = await listExceptions(db.sql, 'acme');
    expect(open.map((e) => e.kind).sort()).toEqual(['normalize', 'order']);
    expect(open.find((e) => e.kind === 'normalize')!.detail).toEqual({ stage: 'normalize' });
    const [raw] = await db.sql<{ headers: unknown }[]>`select headers from inbox order by id desc limit 1`;
    expect(raw!.headers).toEqual({ 'content-type': 'application/json' });
    const listed = (await listOrders(db.sql, 'acme', { limit: 500 })).orders;
    expect(listed.filter((o) => o.externalId === 'M-1')).toHaveLength(1);
    expect(listed.find((o) => o.externalId === 'EXISTING')).toMatchObject({ status: 'closed', version: 2 });
  });
});
