import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExceptions } from '../store/exceptions.ts';
import { getInboxEntry } from '../store/inbox.ts';
import { listOrders } from '../store/order-list.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { jsonRequest, testConnector } from '../testing/fixtures.ts';
import type { Connection } from './connection.ts';
import { DeferredIntake } from './deferred.ts';
import { normalizeReceived } from './normalizer.ts';
import { IntakeQueue } from './queue.ts';
import { replay } from './replay.ts';

/**
 * `switchyard exceptions replay` on what the normalizer made: its exceptions carry the inbox id the sender was
 * answered with, and a replay resolves them once the mapping is fixed, whether the normalizer wrote the batch in
 * one statement or fell back to one delivery at a time.
 */
let db: TestDatabase;
const { connector, state } = testConnector();
const connection: Connection = { id: 'shop', tenantId: 'acme', connector, settings: {}, secrets: {} };
const connections = new Map([[connection.id, connection]]);

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(async () => db?.drop());

const receivedId = async (body: Record<string, unknown>) => {
  const outcome = await new DeferredIntake(db.sql, { queue: new IntakeQueue(db.sql) }).receive(
    connection,
    jsonRequest(body),
  );
  expect(outcome.status).toBe('received');
  return (outcome as { inboxId: string }).inboxId;
};
const exceptionOf = async (inboxId: string) =>
  (await listExceptions(db.sql, 'acme')).items.find((e) => e.inboxId === inboxId);

describe('replay of exceptions the normalizer made', () => {
  it.each([
    ['in one statement for the batch', [] as Record<string, unknown>[]],
    // An update to an order that exists sends the whole batch down the one-at-a-time path.
    ['one delivery at a time', [{ id: 'R-OLD', status: 'closed', updatedAt: '2026-11-21T00:00:00Z' }]],
  ])('resolves an exception written %s once the mapping is fixed', async (_, alongside) => {
    const suffix = alongside.length ? 'alone' : 'batch';
    if (alongside.length)
      await new IntakeQueue(db.sql).receive(connection, jsonRequest({ id: 'R-OLD', status: 'delivered' }));
    state.reject = (body) => (body.sku === 'NEW' ? 'SKU NEW is not mapped' : undefined);
    const inboxId = await receivedId({ id: `R-${suffix}`, sku: 'NEW' });
    for (const body of alongside) await receivedId(body);

    const report = await normalizeReceived(db.sql, connections);
    expect(report).toEqual({
      claimed: 1 + alongside.length,
      processed: alongside.length,
      ignored: 0,
      failed: 1,
    });
    expect((await getInboxEntry(db.sql, inboxId))!.status).toBe('failed');
    const exception = await exceptionOf(inboxId);
    expect(exception).toMatchObject({ kind: 'normalize', status: 'open', message: 'SKU NEW is not mapped' });

    expect(await replay(db.sql, 'acme', exception!.id, connections)).toEqual({
      status: 'failed',
      exceptionId: exception!.id,
      message: 'SKU NEW is not mapped',
    });
    state.reject = undefined;
    expect(await replay(db.sql, 'acme', exception!.id, connections)).toMatchObject({
      status: 'resolved',
      orders: [{ result: 'created' }],
    });
    expect((await getInboxEntry(db.sql, inboxId))!.status).toBe('processed');
    expect(await exceptionOf(inboxId)).toBeUndefined();
    const orders = (await listOrders(db.sql, 'acme', { limit: 500 })).orders;
    expect(orders.filter((o) => o.externalId === `R-${suffix}`)).toHaveLength(1);
  });
});
