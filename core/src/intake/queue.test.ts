import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExceptions } from '../store/exceptions.ts';
import { listOrders } from '../store/order-list.ts';
import { getOrder } from '../store/orders.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { jsonRequest, testConnector } from '../testing/fixtures.ts';
import type { Connection } from './connection.ts';
import type { IntakeOutcome } from './outcome.ts';
import { IntakeQueue } from './queue.ts';

let db: TestDatabase;
const { connector } = testConnector({
  reject: (body) => (body.sku === 'BAD' ? 'SKU BAD is not mapped' : undefined),
});
const connection: Connection = { id: 'shop', tenantId: 'acme', connector, settings: {}, secrets: {} };

beforeAll(async () => {
  db = await createShopDatabase();
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
    const { items: open } = await listExceptions(db.sql, 'acme');
    expect(open.map((e) => e.kind).sort()).toEqual(['normalize', 'order']);
    expect(open.find((e) => e.kind === 'normalize')!.detail).toEqual({ stage: 'normalize' });
    const [raw] = await db.sql<{ headers: unknown }[]>`select headers from inbox order by id desc limit 1`;
    expect(raw!.headers).toEqual({ 'content-type': 'application/json' });
    const listed = (await listOrders(db.sql, 'acme', { limit: 500 })).orders;
    expect(listed.filter((o) => o.externalId === 'M-1')).toHaveLength(1);
    expect(listed.find((o) => o.externalId === 'EXISTING')).toMatchObject({ status: 'closed', version: 2 });
  });
});

describe('intake under hostile or unlucky input', () => {
  it('keeps a payload whose key or content PostgreSQL cannot store, as an exception (never a 500)', async () => {
    const queue = new IntakeQueue(db.sql);
    const nul = await queue.receive(
      connection,
      jsonRequest({ id: 'N\u0000UL', updatedAt: '2026-11-20T10:00:00Z' }),
    );
    expect(nul.status).toBe('exception');
    const [stored] = await db.sql<{ message: string }[]>`
      select message from exceptions where id = ${(nul as { exceptionId: string }).exceptionId}`;
    expect(stored!.message).toContain('N\\0UL');
    const long = await queue.receive(
      connection,
      jsonRequest({ id: 'L'.repeat(4000), updatedAt: '2026-11-20T10:00:00Z' }),
    );
    expect(long.status).toBe('exception'); // the id is too long for the orders index: refused, kept
    const [row] = await db.sql<{ dedupe_key: string }[]>`
      select dedupe_key from inbox where id = ${(long as { inboxId: string }).inboxId}`;
    expect(row!.dedupe_key).toMatch(/^key-sha256:[0-9a-f]{64}$/);
  });

  it('treats an identical resend under a new key as unchanged, not a new version', async () => {
    // A connector that, like many, leaves optional fields explicitly undefined and keys deliveries by body.
    const { connector: base } = testConnector();
    const sparse: Connection = {
      ...connection,
      connector: {
        ...base,
        webhook: { ...base.webhook!, dedupeKey: () => undefined },
        normalize: () => ({
          orders: [
            {
              externalId: 'SPARSE',
              currency: 'USD',
              placedAt: '2026-11-20T10:00:00Z',
              updatedAt: '2026-11-20T10:00:00Z',
              note: undefined,
              customer: { email: 'a@example.com', name: undefined },
              lines: [
                {
                  id: '1',
                  sku: undefined,
                  title: 'a',
                  quantity: { ordered: 1 },
                  unitPrice: { amount: 100, currency: 'USD' },
                },
              ],
              totals: {
                items: { amount: 100, currency: 'USD' },
                discount: { amount: 0, currency: 'USD' },
                shipping: { amount: 0, currency: 'USD' },
                tax: { amount: 0, currency: 'USD' },
                total: { amount: 100, currency: 'USD' },
              },
            },
          ],
        }),
      } as never,
    };
    const queue = new IntakeQueue(db.sql);
    expect(await queue.receive(sparse, jsonRequest({ n: 1 }))).toMatchObject({
      orders: [{ result: 'created' }],
    });
    expect(await queue.receive(sparse, jsonRequest({ n: 2 }))).toMatchObject({
      orders: [{ result: 'unchanged', version: 1 }],
    });
  });

  it('refuses totals beyond the safe integer range as an exception instead of rounding them', async () => {
    const { connector: big } = testConnector();
    const huge: Connection = {
      ...connection,
      connector: {
        ...big,
        normalize: () => ({
          orders: [
            {
              externalId: 'HUGE',
              currency: 'USD',
              placedAt: '2026-11-20T10:00:00Z',
              updatedAt: '2026-11-20T10:00:00Z',
              lines: [
                {
                  id: '1',
                  title: 'a',
                  quantity: { ordered: 3 },
                  unitPrice: { amount: 9007199254740991, currency: 'USD' },
                },
                { id: '3', title: 'c', quantity: { ordered: 1 }, unitPrice: { amount: 1, currency: 'USD' } },
              ],
              totals: {
                items: { amount: 0, currency: 'USD' },
                discount: { amount: 0, currency: 'USD' },
                shipping: { amount: 0, currency: 'USD' },
                tax: { amount: 0, currency: 'USD' },
                total: { amount: 0, currency: 'USD' },
              },
            },
          ],
        }),
      } as never,
    };
    const outcome = await new IntakeQueue(db.sql).receive(huge, jsonRequest({ id: 'HUGE' }));
    expect(outcome).toMatchObject({
      status: 'exception',
      // 3 × (2^53 − 1) + 1, counted exactly (BigInt), not rounded to a double
      message: expect.stringContaining(
        'totals.items is 0.00 USD but the lines add up to 27021597764222974 minor units',
      ),
    });
  });

  it('never rejects deliveries when concurrent writers update the same orders in crossing order', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `X-${i}`);
    await new IntakeQueue(db.sql).receive(connection, jsonRequest({ id: 'warm' }));
    await Promise.all(ids.map((id) => new IntakeQueue(db.sql).receive(connection, jsonRequest({ id }))));
    const queues = Array.from({ length: 4 }, () => new IntakeQueue(db.sql, { concurrency: 2 }));
    const deliveries = queues.flatMap((queue, q) =>
      Array.from({ length: 3 }, (_, round) =>
        (q % 2 ? [...ids].reverse() : ids).map((id) =>
          queue.receive(
            connection,
            jsonRequest({ id, updatedAt: `2026-11-2${round + 1}T0${q}:00:00Z`, status: 'accepted' }),
          ),
        ),
      ).flat(),
    );
    const outcomes = await Promise.allSettled(deliveries);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
  });
});
