import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExceptions } from '../store/exceptions.ts';
import { getInboxEntry } from '../store/inbox.ts';
import { listOrders } from '../store/order-list.ts';
import { getOrder } from '../store/orders.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { jsonRequest, testConnector } from '../testing/fixtures.ts';
import type { Connection } from './connection.ts';
import { receive } from './store.ts';

let db: TestDatabase;
const { connector, state } = testConnector();
const connection: Connection = { id: 'shop', tenantId: 'acme', connector, settings: {}, secrets: {} };

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(async () => db?.drop());

const inboxCount = async () => Number((await db.sql<{ n: string }[]>`select count(*) as n from inbox`)[0]!.n);

describe('intake', () => {
  it('stores the raw bytes once and creates the order', async () => {
    const raw = '{"id":"1001",  "updatedAt":"2026-11-20T10:00:00Z"}';
    const outcome = await receive(
      db.sql,
      connection,
      jsonRequest(raw, { authorization: 'Bearer secret', 'x-topic': 'orders/create' }),
    );
    expect(outcome).toMatchObject({ status: 'accepted', orders: [{ result: 'created', version: 1 }] });
    const entry = await getInboxEntry(db.sql, (outcome as { inboxId: string }).inboxId);
    expect(Buffer.from(entry!.body).toString()).toBe(raw);
    expect(entry!.headers).toEqual({ 'content-type': 'application/json', 'x-topic': 'orders/create' });
    expect(entry!.status).toBe('processed');
  });

  it('never stores a credential header: the common ones and those the connector declares', async () => {
    const declaring: Connection = {
      ...connection,
      connector: {
        ...connector,
        webhook: { ...connector.webhook!, credentialHeaders: ['X-Shop-Token'] },
      },
    };
    const outcome = await receive(
      db.sql,
      declaring,
      jsonRequest(
        { id: '1006', updatedAt: '2026-11-20T10:00:00Z' },
        {
          'x-api-key': 'key-secret',
          'x-auth-token': 'token-secret',
          'x-shop-token': 'shop-secret',
          cookie: 'session=cookie-secret',
          'x-topic': 'orders/create',
        },
      ),
    );
    expect(outcome).toMatchObject({ status: 'accepted' });
    const [row] = await db.sql<{ headers: Record<string, string> }[]>`
      select headers from inbox where id = ${(outcome as { inboxId: string }).inboxId}`;
    expect(row!.headers).toEqual({ 'content-type': 'application/json', 'x-topic': 'orders/create' });
    expect(JSON.stringify(row!.headers)).not.toMatch(/secret/);
  });

  it('treats a redelivery as a no-op, even many at once', async () => {
    const before = await inboxCount();
    const body = { id: '1002', updatedAt: '2026-11-20T10:00:00Z' };
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => receive(db.sql, connection, jsonRequest(body))),
    );
    expect(outcomes.filter((o) => o.status === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(9);
    expect(await inboxCount()).toBe(before + 1);
    expect((await listOrders(db.sql, 'acme')).orders.filter((o) => o.externalId === '1002')).toHaveLength(1);
  });

  it('dedupes a body without a key on its hash', async () => {
    const first = await receive(db.sql, connection, jsonRequest('{"ignore": true}'));
    expect(first).toMatchObject({ status: 'ignored', reason: 'test topic not imported' });
    expect(await receive(db.sql, connection, jsonRequest('{"ignore": true}'))).toMatchObject({
      status: 'duplicate',
      dedupeKey: expect.stringMatching(/^body-sha256:[0-9a-f]{64}$/),
    });
  });

  it('keeps a delivery whose order change is illegal as an exception, with the order untouched', async () => {
    const created = await receive(db.sql, connection, jsonRequest({ id: '1004', status: 'delivered' }));
    const orderId = (created as { orders: { orderId: string }[] }).orders[0]!.orderId;
    const refused = await receive(
      db.sql,
      connection,
      jsonRequest({ id: '1004', status: 'cancelled', updatedAt: '2026-11-21T00:00:00Z' }),
    );
    expect(refused).toMatchObject({
      status: 'exception',
      message: expect.stringContaining(
        'order 1004 was refused: an order cannot go from "delivered" to "cancelled"',
      ),
    });
    expect((await getOrder(db.sql, 'acme', orderId))!.order).toMatchObject({
      status: 'delivered',
      version: 1,
    });
    const exception = (await listExceptions(db.sql, 'acme')).items.find(
      (e) => e.id === (refused as { exceptionId: string }).exceptionId,
    );
    expect(exception).toMatchObject({ kind: 'order', status: 'open' });
  });

  it('reports a mapping that yields an invalid canonical order with the path of each problem', async () => {
    state.reject = undefined;
    const { connector: broken } = testConnector();
    const bad: Connection = {
      ...connection,
      connector: { ...broken, normalize: () => ({ orders: [{ externalId: 5 }] }) } as never,
    };
    const outcome = await receive(db.sql, bad, jsonRequest({ id: '1005' }));
    expect(outcome).toMatchObject({
      status: 'exception',
      message: expect.stringContaining('orders[0].externalId:'),
    });
  });
});
