import {
  type AnyConnector,
  type Connection,
  hydrateDue,
  readNotificationQueue,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { amazon } from '../src/index.ts';
import { sqsQueue } from '../src/sqs.ts';
import { CREDENTIALS, fakeAmazon, orderChange, sampleOrder } from './fakes/index.ts';

/**
 * ORDER_CHANGE from the seller's SQS queue into the hub, on a real PostgreSQL: read with AWS's client (faked at
 * the network in SQS's JSON protocol), stored, deleted only after the commit, the order read again with getOrder;
 * duplicates and stale states change nothing; notifications that are not this seller's stay on the queue.
 */
const sellerId = 'A3SELLERFAKE01';
const vendor = fakeAmazon({ sellerId });
const server = setupServer(...vendor.handlers);
const connector = amazon as unknown as AnyConnector;
const settings = amazon.settings.parse({
  sellerId,
  marketplaceIds: ['ATVPDKIKX0DER'],
  sqs: { queueUrl: vendor.sqs.queueUrl, waitSeconds: 1 },
});
const connection: Connection = {
  id: 'amazon-q',
  tenantId: 'acme',
  connector,
  settings,
  secrets: CREDENTIALS,
};
const connections = new Map([[connection.id, connection]]);
let db: TestDatabase;

const read = () => readNotificationQueue(db.sql, connection, new AbortController().signal);
const hydrate = () => hydrateDue({ sql: db.sql, connections }, new AbortController().signal);
const fetches = () => vendor.api.calls.filter((c) => c.operation === 'getOrder').length;
const orderRow = async (externalId: string) =>
  (
    await db.sql<{ status: string; version: number; updated: Date }[]>`
      select status, version, source_updated_at as updated from orders where external_id = ${externalId}`
  )[0];
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  await syncConfig(
    db.sql,
    {
      tenants: [{ id: 'acme', name: 'Acme' }],
      connections: [
        {
          id: connection.id,
          tenantId: 'acme',
          connector: 'amazon',
          settings: settings as unknown as Record<string, unknown>,
          secrets: CREDENTIALS,
          defaultedEnv: [],
        },
      ],
      server: serverLimits({}),
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
});
afterAll(async () => {
  server.close();
  await db?.drop();
});
beforeEach(() => {
  vendor.sqs.onDelete = undefined;
});

describe('ORDER_CHANGE notifications from SQS', () => {
  it('stores each notification, deletes it only after the commit, then reads the order with getOrder', async () => {
    for (const id of ['113-7000001-0000001', '113-7000002-0000002']) {
      vendor.api.orders.set(id, sampleOrder(id, hoursAgo(2)));
      vendor.sqs.send(orderChange(id, { sellerId }));
    }
    const storedWhenDeleted: number[] = [];
    vendor.sqs.onDelete = async () => {
      const [row] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from inbox where connection_id = ${connection.id} and method = 'QUEUE'`;
      storedWhenDeleted.push(row!.n);
    };
    const before = fetches();
    const report = await read();
    expect(report).toMatchObject({ read: 2, refused: [] });
    expect(report.stored.map((o) => o.status)).toEqual(['ignored', 'ignored']);
    expect(storedWhenDeleted).toEqual([2]);
    expect(vendor.sqs.messages).toEqual([]);
    expect(fetches(), 'no fetch before the messages are stored and deleted').toBe(before);

    expect(await hydrate()).toMatchObject({ hydrated: 2, failed: 0 });
    expect(fetches() - before).toBe(2);
    expect(await orderRow('113-7000001-0000001')).toMatchObject({ status: 'placed', version: 1 });
    expect(await orderRow('113-7000002-0000002')).toMatchObject({ status: 'placed', version: 1 });
  });

  it('hands another seller’s notification back to the queue at once, and leaves one of another type to its timeout', async () => {
    const other = vendor.sqs.send(orderChange('113-7000009-0000009', { sellerId: 'A9OTHERSELLER' }));
    vendor.sqs.send({ NotificationType: 'ANY_OFFER_CHANGED', NotificationMetadata: { NotificationId: 'x' } });
    vendor.sqs.send('not json at all');
    const report = await read();
    // The other seller's message is not this connection's to read: visible again at once, for its own.
    expect(vendor.sqs.released).toEqual([other]);
    expect(report.read).toBe(2);
    expect(report.stored).toEqual([]);
    expect(report.refused).toEqual([
      expect.stringMatching(/ANY_OFFER_CHANGED notification, not ORDER_CHANGE/),
      expect.stringMatching(/not an SP-API notification/),
    ]);
    expect(vendor.sqs.messages).toHaveLength(3);
    expect(vendor.sqs.deleteCalls).toBe(1);
    // The other seller's connection on the same queue gets it on its next read, not a visibility timeout later.
    const theirs = await sqsQueue.receive(
      {
        tenantId: 'acme',
        connectionId: 'amazon-other-seller',
        settings: { ...settings, sellerId: 'A9OTHERSELLER' },
        secrets: CREDENTIALS,
        now: () => new Date(),
      },
      new AbortController().signal,
    );
    expect(theirs.map((m) => m.headers?.['x-amz-sqs-message-id'])).toEqual([other]);
    expect(theirs[0]!.headers?.['x-amz-sqs-receive-count']).toBe('2');
    vendor.sqs.messages.length = 0;
  });

  it('leaves another seller’s notification to its visibility timeout when SQS will not release it', async () => {
    vendor.sqs.denyVisibilityChange = true;
    try {
      vendor.sqs.send(orderChange('113-7000009-0000010', { sellerId: 'A9OTHERSELLER' }));
      const report = await read();
      expect(report.read).toBe(1);
      expect(report.refused).toEqual([
        expect.stringMatching(
          /seller A9OTHERSELLER, not this connection's A3SELLERFAKE01: left on the queue/,
        ),
      ]);
      expect(vendor.sqs.messages).toHaveLength(1);
      expect(vendor.sqs.messages[0]!.visibleAt).toBeGreaterThan(Date.now());
    } finally {
      vendor.sqs.denyVisibilityChange = false;
      vendor.sqs.messages.length = 0;
    }
  });

  it('stores a notification delivered twice (one NotificationId) once, and fetches its order once', async () => {
    const id = '113-7000003-0000003';
    vendor.api.orders.set(id, sampleOrder(id, hoursAgo(2)));
    const twice = orderChange(id, { sellerId, notificationId: 'f3b0c2a4-dup' });
    vendor.sqs.send(twice);
    vendor.sqs.send(twice);
    const before = fetches();
    const report = await read();
    expect(report.stored.map((o) => o.status)).toEqual(['ignored', 'duplicate']);
    // Both copies are deleted: the second is stored already, under the first's key.
    expect(vendor.sqs.messages).toEqual([]);
    expect(await hydrate()).toMatchObject({ hydrated: 1 });
    expect(fetches() - before).toBe(1);
    vendor.sqs.send(twice);
    expect((await read()).stored.map((o) => o.status)).toEqual(['duplicate']);
    expect(await hydrate()).toMatchObject({ hydrated: 0 });
    expect(await orderRow(id)).toMatchObject({ version: 1 });
  });

  it('changes nothing for a notification whose order Amazon gives in an older state than the hub has', async () => {
    const id = '113-7000001-0000001';
    const held = await orderRow(id);
    // A standard queue reorders, and a read may meet a replica behind: the state fetched is older than the hub's.
    vendor.api.orders.set(id, sampleOrder(id, hoursAgo(3), { status: 'PENDING' }));
    vendor.sqs.send(orderChange(id, { sellerId, status: 'Pending' }));
    await read();
    expect(await hydrate()).toMatchObject({ hydrated: 1, failed: 0 });
    expect(await orderRow(id)).toEqual(held);
  });

  it('updates the order when a newer state comes, a buyer’s cancellation request included', async () => {
    const id = '113-7000002-0000002';
    const cancelled = sampleOrder(id, hoursAgo(1));
    for (const item of cancelled.orderItems as { cancellation?: unknown }[]) {
      item.cancellation = { cancellationRequest: { requester: 'BUYER', cancelReason: 'Found it cheaper' } };
    }
    vendor.api.orders.set(id, cancelled);
    vendor.sqs.send(orderChange(id, { sellerId, changeType: 'BuyerRequestedChange', status: 'Unshipped' }));
    await read();
    await hydrate();
    expect(await orderRow(id)).toMatchObject({ status: 'cancelled', version: 2 });
  });

  it('cuts a long poll short when the hub stops, losing nothing', async () => {
    vendor.sqs.longPollMs = 20_000;
    try {
      const stop = new AbortController();
      const started = Date.now();
      const polling = { ...settings, sqs: { ...settings.sqs!, waitSeconds: 20 } };
      const reading = sqsQueue.receive(
        {
          tenantId: 'acme',
          connectionId: connection.id,
          settings: polling,
          secrets: CREDENTIALS,
          now: () => new Date(),
        },
        stop.signal,
      );
      setTimeout(() => stop.abort(), 50);
      expect(await reading).toEqual([]);
      // Not the 20 s the poll asked for: the stop ended it.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      vendor.sqs.longPollMs = 20;
    }
  });
});
