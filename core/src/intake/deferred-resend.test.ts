import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExceptions } from '../store/exceptions.ts';
import { getInboxEntry } from '../store/inbox.ts';
import { listOrders } from '../store/order-list.ts';
import { getOrder } from '../store/orders.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { jsonRequest, testConnector } from '../testing/fixtures.ts';
import type { Connection } from './connection.ts';
import { DeferredIntake, type DeferredOutcome } from './deferred.ts';
import { normalizeReceived } from './normalizer.ts';
import { IntakeQueue } from './queue.ts';

/**
 * A corrected resend (same id and time, other bytes) that arrives while the delivery it corrects is still
 * received, not yet normalized: the synchronous intake would have failed the first and imported the second, so
 * the deferred intake must end the same way, whichever normalizer gets to which delivery first.
 */
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
const inboxIdOf = (o: DeferredOutcome) => (o as { inboxId: string }).inboxId;
const statusOf = async (o: DeferredOutcome) => (await getInboxEntry(db.sql, inboxIdOf(o)))!.status;
const delivery = (id: string, sku: string) =>
  jsonRequest({ id, updatedAt: '2026-11-20T10:00:00Z', sku, status: 'placed' });
async function drain() {
  for (;;) if ((await normalizeReceived(db.sql, connections, { limit: 16 })).claimed === 0) return;
}
const ordersOf = async (externalId: string) =>
  (await listOrders(db.sql, 'acme', { limit: 500 })).orders.filter((o) => o.externalId === externalId);
const openExceptionsOf = async (...outcomes: DeferredOutcome[]) =>
  (await listExceptions(db.sql, 'acme')).items.filter((e) => outcomes.map(inboxIdOf).includes(e.inboxId!));
const skuOf = async (externalId: string) => {
  const [order] = await ordersOf(externalId);
  const found = await getOrder(db.sql, 'acme', order!.id);
  return found!.order.lines.map((l) => l.sku);
};

describe('deferred intake: a corrected resend of a delivery not yet normalized', () => {
  it('is stored as its revision, and the revision is imported while the original is set aside', async () => {
    const queue = intake();
    const bad = await queue.receive(connection, delivery('FIX-2', 'BAD'));
    const fixed = await queue.receive(connection, delivery('FIX-2', 'GOOD'));
    expect(bad.status).toBe('received');
    expect(fixed.status).toBe('received');
    expect(inboxIdOf(fixed)).not.toBe(inboxIdOf(bad));
    // The same corrected bytes again: a duplicate of the revision.
    expect((await queue.receive(connection, delivery('FIX-2', 'GOOD'))).status).toBe('duplicate');

    await drain();
    expect(await statusOf(bad)).toBe('ignored');
    expect(await statusOf(fixed)).toBe('processed');
    expect(await ordersOf('FIX-2')).toHaveLength(1);
    expect(await skuOf('FIX-2')).toEqual(['GOOD']);
    expect(await openExceptionsOf(bad, fixed)).toEqual([]);
    // Imported: a further resend with other bytes is a duplicate, as in the synchronous intake.
    expect((await queue.receive(connection, delivery('FIX-2', 'OTHER'))).status).toBe('duplicate');
  });

  it('is a revision when both arrive in the same batch, and the first is set aside', async () => {
    const queue = new DeferredIntake(db.sql, { queue: new IntakeQueue(db.sql), concurrency: 1 });
    const [bad, fixed] = await Promise.all([
      queue.receive(connection, delivery('FIX-3', 'BAD')),
      queue.receive(connection, delivery('FIX-3', 'GOOD')),
    ]);
    expect([bad!.status, fixed!.status]).toEqual(['received', 'received']);
    await drain();
    expect(await statusOf(bad!)).toBe('ignored');
    expect(await statusOf(fixed!)).toBe('processed');
    expect(await skuOf('FIX-3')).toEqual(['GOOD']);
    expect(await openExceptionsOf(bad!, fixed!)).toEqual([]);
  });

  it('still takes a further correction when the revision failed too, as the synchronous intake does', async () => {
    const queue = intake();
    const first = await queue.receive(connection, delivery('FIX-4', 'BAD'));
    const second = await queue.receive(
      connection,
      jsonRequest({ id: 'FIX-4', updatedAt: '2026-11-20T10:00:00Z', sku: 'BAD', note: 'x' }),
    );
    await drain();
    expect(await statusOf(first)).toBe('ignored');
    expect(await statusOf(second)).toBe('failed');
    const third = await queue.receive(connection, delivery('FIX-4', 'GOOD'));
    expect(third.status).toBe('received');
    await drain();
    expect(await statusOf(third)).toBe('processed');
    expect(await skuOf('FIX-4')).toEqual(['GOOD']);
    expect(await openExceptionsOf(first, second, third)).toEqual([]);
  });

  it('when the original was claimed by another normalizer before the resend came, the resend still wins', async () => {
    const queue = intake();
    const bad = await queue.receive(connection, delivery('FIX-5', 'BAD'));
    // Another normalizer claims the original and is held before it writes what it made of it: a SHARE lock on
    // orders stops its batch statement (which inserts into orders) and nothing else of the intake.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let blocking!: () => void;
    const isBlocking = new Promise<void>((r) => (blocking = r));
    const blocker = db.sql.begin(async (tx) => {
      await tx`lock table orders in share mode`;
      blocking();
      await held;
    });
    await isBlocking;
    const first = normalizeReceived(db.sql, connections, { limit: 16 });
    for (let i = 0; i < 200; i++) {
      const [w] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      if (w!.n > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }

    // The resend arrives meanwhile: the original is still received as far as anyone else can see.
    const fixed = await queue.receive(connection, delivery('FIX-5', 'GOOD'));
    expect(fixed.status).toBe('received');
    // A second normalizer takes the revision but leaves it for later: what it supersedes is not settled yet.
    expect(await normalizeReceived(db.sql, connections, { limit: 16 })).toMatchObject({ claimed: 0 });
    expect(await statusOf(fixed)).toBe('received');

    release();
    await blocker;
    expect(await first).toMatchObject({ claimed: 1, failed: 1 });
    expect(await statusOf(bad)).toBe('failed');
    expect(await openExceptionsOf(bad)).toHaveLength(1);

    await drain();
    expect(await statusOf(fixed)).toBe('processed');
    expect(await skuOf('FIX-5')).toEqual(['GOOD']);
    expect(await openExceptionsOf(bad, fixed)).toEqual([]);
    const { items: all } = await listExceptions(db.sql, 'acme', { status: 'all' });
    expect(all.find((e) => e.inboxId === inboxIdOf(bad))).toMatchObject({
      status: 'resolved',
      detail: expect.objectContaining({ supersededBy: { inboxId: inboxIdOf(fixed) } }),
    });
  });

  it('is a revision, imported at once, when a synchronous hub takes it after a deferred run left the original', async () => {
    const bad = await intake().receive(connection, delivery('FIX-9', 'BAD'));
    expect(bad.status).toBe('received');
    // The hub restarted with server.intake 'sync': its queue takes the corrected resend.
    const fixed = await new IntakeQueue(db.sql).receive(connection, delivery('FIX-9', 'GOOD'));
    expect(fixed.status).toBe('accepted');
    await drain();
    expect(await statusOf(bad)).toBe('ignored');
    expect(await ordersOf('FIX-9')).toHaveLength(1);
    expect(await skuOf('FIX-9')).toEqual(['GOOD']);
    expect(await openExceptionsOf(bad)).toEqual([]);
  });
});
