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

  it('writes nothing when an operator closes or edits the exception while the replay runs', async () => {
    for (const [n, fix] of [
      ['1101', 'ignore'],
      ['1102', 'edit'],
    ] as const) {
      state.reject = (body) => (body.sku === 'UNKNOWN' ? 'SKU UNKNOWN is not mapped' : undefined);
      const outcome = await receive(db.sql, connection, jsonRequest({ id: n, sku: 'UNKNOWN' }));
      const { exceptionId, inboxId } = outcome as { exceptionId: string; inboxId: string };
      // The operator's transaction holds the exception's row while the replay reads, normalizes and comes to
      // write: it must find the exception changed, not record a second failure beside it.
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const operator = db.sql.begin(async (tx) => {
        await tx`select id from exceptions where id = ${exceptionId} for update`;
        if (fix === 'ignore') {
          await tx`update exceptions set status = 'ignored', resolution = 'test order' where id = ${exceptionId}`;
        } else {
          const [revision] = await tx<{ id: string }[]>`
            insert into inbox (tenant_id, connection_id, dedupe_key, method, path, headers, content_type, body, status, revision_of)
            select tenant_id, connection_id, dedupe_key || '#edit:x', method, path, headers, content_type, body, 'failed', id
            from inbox where id = ${inboxId} returning id`;
          await tx`update exceptions set inbox_id = ${revision!.id} where id = ${exceptionId}`;
        }
        locked();
        await held;
      });
      await isLocked;
      const replaying = replay(db.sql, 'acme', exceptionId, connections).then(
        () => undefined,
        (error: unknown) => error,
      );
      // Until the replay waits for the row: it has read the exception as it was and comes to write.
      for (let i = 0; i < 200; i++) {
        const [waiting] = await db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        if (waiting!.n > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      release();
      await operator;
      const refused = (await replaying) as { problem?: unknown };
      expect(refused.problem, JSON.stringify(refused.problem)).toMatchObject({
        status: 409,
        type: 'exception-changed',
      });
      const open = (await listExceptions(db.sql, 'acme')).items.filter(
        (e) => e.id === exceptionId || e.inboxId === inboxId,
      );
      expect(open.map((e) => [e.id, e.status])).toEqual(fix === 'edit' ? [[exceptionId, 'open']] : []);
    }
  });
});
