import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExceptions } from '../store/exceptions.ts';
import { getInboxEntry } from '../store/inbox.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { jsonRequest, testConnector } from '../testing/fixtures.ts';
import type { Connection } from './connection.ts';
import { replay } from './replay.ts';
import { receive } from './store.ts';

let db: TestDatabase;
const { connector, state } = testConnector();
const connection: Connection = { id: 'shop', tenantId: 'acme', connector, settings: {}, secrets: {} };
const connections = new Map([[connection.id, connection]]);

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(async () => db?.drop());

describe('replay', () => {
  it('keeps a payload it cannot map as an open exception, then imports it on replay once the mapping is fixed', async () => {
    state.reject = (body) => (body.sku === 'UNKNOWN' ? 'SKU UNKNOWN is not mapped' : undefined);
    const outcome = await receive(db.sql, connection, jsonRequest({ id: '1003', sku: 'UNKNOWN' }));
    expect(outcome).toMatchObject({ status: 'exception', message: 'SKU UNKNOWN is not mapped' });
    const { exceptionId, inboxId } = outcome as { exceptionId: string; inboxId: string };
    expect((await getInboxEntry(db.sql, inboxId))!.status).toBe('failed');
    expect((await listExceptions(db.sql, 'acme')).items).toEqual([
      expect.objectContaining({
        id: exceptionId,
        kind: 'normalize',
        status: 'open',
        replayCount: 0,
        inboxId,
      }),
    ]);
    expect((await listExceptions(db.sql, 'other')).items).toEqual([]);

    const failed = await replay(db.sql, 'acme', exceptionId, connections);
    expect(failed).toEqual({ status: 'failed', exceptionId, message: 'SKU UNKNOWN is not mapped' });
    expect((await listExceptions(db.sql, 'acme')).items).toEqual([
      expect.objectContaining({ id: exceptionId, status: 'open', replayCount: 1 }),
    ]);

    state.reject = undefined;
    const resolved = await replay(db.sql, 'acme', exceptionId, connections);
    expect(resolved).toMatchObject({ status: 'resolved', orders: [{ result: 'created' }] });
    expect((await listExceptions(db.sql, 'acme', { status: 'resolved' })).items).toEqual([
      expect.objectContaining({ id: exceptionId, replayCount: 2, resolvedAt: expect.any(String) }),
    ]);
    expect((await getInboxEntry(db.sql, inboxId))!.status).toBe('processed');

    await expect(replay(db.sql, 'acme', exceptionId, connections)).rejects.toMatchObject({
      problem: { status: 409 },
    });
    await expect(replay(db.sql, 'other', exceptionId, connections)).rejects.toMatchObject({
      problem: { status: 404 },
    });
  });
});
