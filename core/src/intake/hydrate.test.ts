import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InboundRequest } from '../connector/index.ts';
import { claimHydrations, getHydration } from '../store/hydrations.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { notifyShop } from '../testing/notify-shop.ts';
import { fakeNotifyShop, notifyShopNotification, notifyShopOrder } from '../testing/notify-shop-fake.ts';
import type { Connection } from './connection.ts';
import { HYDRATE_EXCEPTION, hydrateDue } from './hydrate.ts';
import { startHydrator } from './hydrator.ts';
import { readNotificationQueue } from './notification-queue.ts';
import { prepare } from './prepare.ts';
import { IntakeQueue } from './queue.ts';
import { replay } from './replay.ts';
import { store } from './store.ts';

const apiUrl = 'https://api.notify-shop.example';
const secrets = { apiToken: 'nst_intake_0123456789', notificationToken: 'ntok_intake_0123456789' };
const fake = fakeNotifyShop(apiUrl, secrets.apiToken);
const server = setupServer(...fake.handlers);
const connection: Connection = {
  id: 'shop',
  tenantId: 'acme',
  connector: notifyShop('token'),
  settings: { apiUrl, subscriptionId: 'sub-1' },
  secrets,
};
const connections = new Map([[connection.id, connection]]);
let db: TestDatabase;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createShopDatabase();
});
afterAll(async () => {
  server.close();
  await db?.drop();
});
beforeEach(() => {
  fake.state.failFetches = 0;
});

function notification(id: string, orderId: string): InboundRequest {
  return {
    method: 'POST',
    path: '/webhooks/shop',
    headers: { 'content-type': 'application/json', 'x-notify-token': secrets.notificationToken },
    body: new Uint8Array(Buffer.from(notifyShopNotification(id, orderId))),
    contentType: 'application/json',
    receivedAt: new Date(),
  };
}
const receive = (request: InboundRequest) => store(db.sql, prepare(connection, request));
const hydrate = (options: { maxAttempts?: number } = {}) =>
  hydrateDue({ sql: db.sql, connections, retryBaseMs: 0, ...options }, new AbortController().signal);
const orderOf = async (externalId: string) =>
  (
    await db.sql<{ version: number; total: string }[]>`
      select version, total_amount::text as total from orders where connection_id = 'shop' and external_id = ${externalId}`
  )[0];

describe('thin-webhook hydration on PostgreSQL', () => {
  it('stores the notification and answers before the fetch, then fetches and imports the order', async () => {
    fake.state.orders.set('5001', notifyShopOrder('5001', '2026-11-20T09:00:00Z'));
    const before = fake.state.fetches;
    const outcome = await receive(notification('n-5001', '5001'));
    expect(outcome).toMatchObject({
      status: 'ignored',
      reason: expect.stringMatching(/^accepted for hydration/),
    });
    const inboxId = (outcome as { inboxId: string }).inboxId;
    // The answer is given here: nothing was fetched, and what to fetch is stored with the notification.
    expect(fake.state.fetches).toBe(before);
    expect(await getHydration(db.sql, inboxId)).toMatchObject({
      status: 'pending',
      resource: { id: '5001' },
    });
    const [stored] = await db.sql<
      { headers: Record<string, string> }[]
    >`select headers from inbox where id = ${inboxId}`;
    expect(Object.keys(stored!.headers)).not.toContain('x-notify-token');

    expect(await hydrate()).toMatchObject({ hydrated: 1, failed: 0 });
    expect(fake.state.fetches).toBe(before + 1);
    expect(await orderOf('5001')).toEqual({ version: 1, total: '2980' });
    expect(await getHydration(db.sql, inboxId)).toMatchObject({ status: 'hydrated' });
  });

  it('stores the hydration with the notification through the batched intake too', async () => {
    const queue = new IntakeQueue(db.sql);
    const outcomes = await Promise.all([
      queue.receive(connection, notification('n-5006', '5006')),
      queue.receive(connection, notification('n-5007', '5007')),
      queue.receive(connection, notification('n-5006', '5006')),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'ignored', 'ignored']);
    for (const o of outcomes) {
      if (o.status === 'ignored')
        expect(await getHydration(db.sql, o.inboxId)).toMatchObject({ status: 'pending' });
    }
    await db.sql`delete from hydrations where resource->>'id' in ('5006', '5007')`;
  });

  it('costs no API call for a duplicate notification', async () => {
    const before = fake.state.fetches;
    expect(await receive(notification('n-5001', '5001'))).toMatchObject({ status: 'duplicate' });
    expect(await hydrate()).toMatchObject({ hydrated: 0 });
    expect(fake.state.fetches).toBe(before);
  });

  it('retries a failing fetch, then opens an exception that replay hydrates once the vendor is back', async () => {
    fake.state.orders.set('5002', notifyShopOrder('5002', '2026-11-20T09:05:00Z', 4));
    fake.state.failFetches = 1_000;
    const { inboxId } = (await receive(notification('n-5002', '5002'))) as { inboxId: string };
    expect(await hydrate({ maxAttempts: 2 })).toMatchObject({ retrying: 1, failed: 0 });
    expect(await getHydration(db.sql, inboxId)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await hydrate({ maxAttempts: 2 })).toMatchObject({ retrying: 0, failed: 1 });
    expect(await orderOf('5002')).toBeUndefined();
    const [exception] = await db.sql<{ id: string; kind: string; message: string; status: string }[]>`
      select id, kind, message, status from exceptions where inbox_id = ${inboxId}`;
    expect(exception).toMatchObject({ kind: HYDRATE_EXCEPTION, status: 'open' });
    expect(exception!.message).toMatch(/could not fetch order 5002 from Notify Shop.*503.*after 2 tries/);
    // Nothing more happens by itself: the hydration failed for good until someone replays it.
    expect(await hydrate()).toMatchObject({ hydrated: 0, retrying: 0, failed: 0 });

    expect(await replay(db.sql, 'acme', exception!.id, connections)).toMatchObject({ status: 'failed' });
    fake.state.failFetches = 0;
    expect(await replay(db.sql, 'acme', exception!.id, connections)).toMatchObject({
      status: 'resolved',
      orders: [expect.objectContaining({ result: 'created', version: 1 })],
    });
    expect(await orderOf('5002')).toEqual({ version: 1, total: '5960' });
    expect(await getHydration(db.sql, inboxId)).toMatchObject({ status: 'hydrated' });
    const [after] = await db.sql<{ status: string; replay_count: number }[]>`
      select status, replay_count from exceptions where id = ${exception!.id}`;
    expect(after).toEqual({ status: 'resolved', replay_count: 2 });
  });

  it('recovers at start what a stopped or crashed hydrator left pending', async () => {
    fake.state.orders.set('5003', notifyShopOrder('5003', '2026-11-20T09:10:00Z'));
    fake.state.orders.set('5004', notifyShopOrder('5004', '2026-11-20T09:11:00Z'));
    // Answered, then the process stopped before any fetch.
    const left = (await receive(notification('n-5003', '5003'))) as { inboxId: string };
    // Answered, claimed by a hydrator that died before its fetch ended: it comes due again when its lease ends.
    const claimed = (await receive(notification('n-5004', '5004'))) as { inboxId: string };
    expect((await claimHydrations(db.sql, ['shop'], 10, 300)).map((h) => h.inboxId).sort()).toEqual(
      [left.inboxId, claimed.inboxId].sort(),
    );
    await db.sql`update hydrations set next_at = now() where inbox_id = ${left.inboxId}`;

    const hydrator = startHydrator({ sql: db.sql, connections, everyMs: 50, onError: () => {} });
    try {
      await expect
        .poll(async () => [(await orderOf('5003'))?.version, (await orderOf('5004'))?.version], {
          timeout: 10_000,
        })
        .toEqual([1, 1]);
    } finally {
      await hydrator.stop();
    }
    expect(await getHydration(db.sql, claimed.inboxId)).toMatchObject({ status: 'hydrated' });
  });

  it('reads a queue connection’s notifications, stores them with their hydration, and only then acknowledges', async () => {
    const queued: Connection = { ...connection, connector: notifyShop('queue') };
    fake.state.queue.push(
      { receipt: 'r-1', body: notifyShopNotification('q-1', '5005') },
      { receipt: 'r-2', body: notifyShopNotification('q-2', '5005', 'sub-of-another-shop') },
    );
    const report = await readNotificationQueue(db.sql, queued, new AbortController().signal);
    expect(report.stored).toEqual([expect.objectContaining({ status: 'ignored' })]);
    expect(report.refused).toEqual([expect.stringMatching(/not for subscription sub-1/)]);
    // r-2 is another subscription's: left on the queue, not deleted for it (hydration-losses.test.ts).
    expect(fake.state.acknowledged).toEqual(['r-1']);
    const inboxId = (report.stored[0] as { inboxId: string }).inboxId;
    expect(await getHydration(db.sql, inboxId)).toMatchObject({
      status: 'pending',
      resource: { id: '5005' },
    });
  });
});
