import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExceptions } from '../store/exceptions.ts';
import { claimReceived, getInboxEntry } from '../store/inbox.ts';
import { listOrders } from '../store/order-list.ts';
import { getOrder } from '../store/orders.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { jsonRequest, testConnector } from '../testing/fixtures.ts';
import type { Connection } from './connection.ts';
import { DeferredIntake, type DeferredOutcome } from './deferred.ts';
import { normalizeReceived, startNormalizer } from './normalizer.ts';
import { IntakeQueue } from './queue.ts';

let db: TestDatabase;
const { connector } = testConnector({
  reject: (body) => (body.sku === 'BAD' ? 'SKU BAD is not mapped' : undefined),
});
const connection: Connection = { id: 'shop', tenantId: 'acme', connector, settings: {}, secrets: {} };
const connections = new Map([[connection.id, connection]]);

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(async () => db?.drop());

const intake = () => new DeferredIntake(db.sql, { queue: new IntakeQueue(db.sql), concurrency: 1 });
const count = async (table: 'inbox' | 'orders' | 'order_events' | 'exceptions') =>
  Number((await db.sql.unsafe<{ n: string }[]>(`select count(*) as n from ${table}`))[0]!.n);
const received = async () =>
  Number((await db.sql<{ n: string }[]>`select count(*) as n from inbox where status = 'received'`)[0]!.n);
const inboxIdOf = (o: DeferredOutcome) => (o as { inboxId: string }).inboxId;
/** Runs turns until nothing is left to claim. */
async function drain() {
  for (;;) if ((await normalizeReceived(db.sql, connections, { limit: 16 })).claimed === 0) return;
}

describe('deferred intake: answered once stored raw, normalized right behind', () => {
  it('answers each delivery with its inbox id, then makes exactly one order of each', async () => {
    const queue = intake();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => queue.receive(connection, jsonRequest({ id: `D-${i}` }))),
    );
    expect(outcomes.every((o) => o.status === 'received')).toBe(true);
    const first = await getInboxEntry(db.sql, inboxIdOf(outcomes[0]!));
    expect(first).toMatchObject({ status: 'received', headers: { 'content-type': 'application/json' } });
    expect(await received()).toBe(40);

    await drain();
    expect(await received()).toBe(0);
    expect((await getInboxEntry(db.sql, inboxIdOf(outcomes[39]!)))!.status).toBe('processed');
    const listed = (await listOrders(db.sql, 'acme', { limit: 500 })).orders.filter((o) =>
      o.externalId.startsWith('D-'),
    );
    expect(listed).toHaveLength(40);
    const found = await getOrder(db.sql, 'acme', listed.find((o) => o.externalId === 'D-39')!.id);
    expect(found!.timeline).toEqual([
      expect.objectContaining({ type: 'order.created', version: 1, inboxId: inboxIdOf(outcomes[39]!) }),
    ]);
  });

  it('gives every delivery of a mixed burst the outcome the synchronous intake would, after the answer', async () => {
    await new IntakeQueue(db.sql).receive(connection, jsonRequest({ id: 'EXISTING', status: 'delivered' }));
    const before = {
      inbox: await count('inbox'),
      orders: await count('orders'),
      exceptions: await count('exceptions'),
    };
    const queue = intake();
    const burst = [
      { id: 'M-1' },
      { id: 'M-1' }, // the same delivery twice
      { id: 'M-2', sku: 'BAD' }, // cannot be mapped
      { ignore: true, n: 1 }, // nothing to import
      { id: 'EXISTING', status: 'closed', updatedAt: '2026-11-21T00:00:00Z' }, // an update
      { id: 'EXISTING', status: 'placed', updatedAt: '2026-11-22T00:00:00Z' }, // an illegal change
      { id: 'M-3' },
    ];
    const outcomes = await Promise.all(burst.map((b) => queue.receive(connection, jsonRequest(b))));
    expect(outcomes.map((o) => o.status)).toEqual([
      'received',
      'duplicate',
      'received',
      'received',
      'received',
      'received',
      'received',
    ]);
    expect(await count('inbox')).toBe(before.inbox + 6);
    expect(await count('orders')).toBe(before.orders); // nothing normalized before the normalizer runs

    await drain();
    expect(await count('orders')).toBe(before.orders + 2);
    expect(await count('exceptions')).toBe(before.exceptions + 2);
    const status = async (o: DeferredOutcome) => (await getInboxEntry(db.sql, inboxIdOf(o)))!.status;
    expect(await Promise.all(outcomes.filter((o) => o.status === 'received').map(status))).toEqual([
      'processed',
      'failed',
      'ignored',
      'processed',
      'failed',
      'processed',
    ]);
    const { items: open } = await listExceptions(db.sql, 'acme');
    const normalizeFailure = open.find((e) => e.inboxId === inboxIdOf(outcomes[2]!))!;
    expect(normalizeFailure).toMatchObject({ kind: 'normalize', message: 'SKU BAD is not mapped' });
    expect(open.find((e) => e.inboxId === inboxIdOf(outcomes[5]!))).toMatchObject({
      kind: 'order',
      message: expect.stringContaining('cannot go from "closed" to "placed"'),
    });
    const listed = (await listOrders(db.sql, 'acme', { limit: 500 })).orders;
    expect(listed.filter((o) => o.externalId === 'M-1')).toHaveLength(1);
    expect(listed.find((o) => o.externalId === 'EXISTING')).toMatchObject({ status: 'closed', version: 2 });
  });

  it('normalizes each delivery once when several normalizers race for the same backlog', async () => {
    const queue = intake();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => queue.receive(connection, jsonRequest({ id: `R-${i}` }))),
    );
    const eventsBefore = await count('order_events');
    const reports = await Promise.all(
      Array.from({ length: 4 }, () => normalizeReceived(db.sql, connections, { limit: 20 })),
    );
    await drain();
    expect(reports.reduce((n, r) => n + r.claimed, 0)).toBeLessThanOrEqual(60);
    expect(await count('order_events')).toBe(eventsBefore + 60);
    const listed = (await listOrders(db.sql, 'acme', { limit: 500 })).orders;
    expect(listed.filter((o) => o.externalId.startsWith('R-'))).toHaveLength(60);
  });

  it('leaves a claim that did not commit received, and the normalizer takes it up at start', async () => {
    const outcome = await intake().receive(connection, jsonRequest({ id: 'CRASH-1' }));
    // A process that claimed it and died before committing: its transaction rolls back.
    await db.sql
      .begin(async (tx) => {
        expect((await claimReceived(tx, ['shop'], 10)).map((r) => r.id)).toContain(inboxIdOf(outcome));
        throw new Error('crash before commit');
      })
      .catch(() => undefined);
    expect((await getInboxEntry(db.sql, inboxIdOf(outcome)))!.status).toBe('received');

    const errors: unknown[] = [];
    const normalizer = startNormalizer({ sql: db.sql, connections, onError: (e) => errors.push(e) });
    try {
      for (let i = 0; i < 100 && (await received()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await normalizer.stop();
    }
    expect(errors).toEqual([]);
    expect((await getInboxEntry(db.sql, inboxIdOf(outcome)))!.status).toBe('processed');
    const listed = (await listOrders(db.sql, 'acme', { limit: 500 })).orders;
    expect(listed.filter((o) => o.externalId === 'CRASH-1')).toHaveLength(1);
  });

  it('stores a corrected resend of a failed delivery as its revision, superseding its exception', async () => {
    const queue = intake();
    const bad = await queue.receive(
      connection,
      jsonRequest({ id: 'FIX-1', updatedAt: '2026-11-20T10:00:00Z', sku: 'BAD' }),
    );
    await drain();
    expect((await getInboxEntry(db.sql, inboxIdOf(bad)))!.status).toBe('failed');
    const fixed = await queue.receive(
      connection,
      jsonRequest({ id: 'FIX-1', updatedAt: '2026-11-20T10:00:00Z', sku: 'GOOD' }),
    );
    expect(fixed.status).toBe('received');
    expect(inboxIdOf(fixed)).not.toBe(inboxIdOf(bad));
    await drain();
    expect((await getInboxEntry(db.sql, inboxIdOf(fixed)))!.status).toBe('processed');
    const { items: open } = await listExceptions(db.sql, 'acme');
    expect(open.filter((e) => e.inboxId === inboxIdOf(bad))).toEqual([]);
    const listed = (await listOrders(db.sql, 'acme', { limit: 500 })).orders;
    expect(listed.filter((o) => o.externalId === 'FIX-1')).toHaveLength(1);
  });

  it('nudges the normalizer once a delivery is stored, a corrected resend stored alone included', async () => {
    let nudges = 0;
    const queue = new DeferredIntake(db.sql, {
      queue: new IntakeQueue(db.sql),
      concurrency: 1,
      onStored: () => nudges++,
    });
    // The nudge follows the answers of its batch, in the same turn of the event loop.
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    const bad = { id: 'NUDGE-1', updatedAt: '2026-11-20T10:00:00Z', sku: 'BAD' };
    expect((await queue.receive(connection, jsonRequest(bad))).status).toBe('received');
    await settled();
    expect(nudges).toBe(1);
    expect((await queue.receive(connection, jsonRequest(bad))).status).toBe('duplicate');
    await settled();
    expect(nudges).toBe(1);
    await drain();
    const fixed = await queue.receive(connection, jsonRequest({ ...bad, sku: 'GOOD' }));
    expect(fixed.status).toBe('received');
    await settled();
    expect(nudges).toBe(2);
  });
});
