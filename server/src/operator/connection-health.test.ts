import {
  type AnyConnector,
  applyOrder,
  type Connection,
  metShipBy,
  OrderDraft,
  type ResolvedConfig,
  recordTokenState,
  SecretBox,
  serverLimits,
  storeRaw,
  syncConfig,
  tokenSource,
  VendorError,
} from '@switchyard/core';
import { createTestDatabase, notifyShop, sampleDraft, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionHealth, type OperatorContext } from './index.ts';

/**
 * What a marketplace connection's health adds (issue 14): its tokens' state with an early warning, how its thin
 * notifications are keeping up, and its nearest ship-by deadline among orders not yet shipped.
 */
const settings = { apiUrl: 'https://api.notify-shop.example', subscriptionId: 'sub-1' };
const secrets = { apiToken: 'notify-api-token-1', notificationToken: 'notify-notification-token-1' };
const config: ResolvedConfig = {
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [
    { id: 'market', tenantId: 'acme', connector: 'notify-shop', settings, secrets, defaultedEnv: [] },
  ],
  server: serverLimits(),
};
let db: TestDatabase;
let ctx: OperatorContext;
const source = { tenantId: 'acme', connectionId: 'market', connector: 'notify-shop' };

beforeAll(async () => {
  db = await createTestDatabase();
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connection: Connection = {
    id: 'market',
    tenantId: 'acme',
    connector: notifyShop('public-key') as AnyConnector,
    settings,
    secrets,
  };
  ctx = {
    hub: { sql: db.sql, connections: new Map([['market', connection]]), config },
    by: { actor: 'key:key_test', name: 'ops', tenantId: 'acme', role: 'viewer' },
  };
});
afterAll(async () => {
  await db?.drop();
});

const health = async () => (await connectionHealth(ctx)).find((c) => c.id === 'market')!;
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('a marketplace connection’s health', () => {
  it('shows the nearest ship-by deadline of orders not yet shipped, and those overdue as trouble', async () => {
    expect((await health()).shipBy).toBeNull();
    const order = (id: string, shipBy: string, status: OrderDraft['status'] = 'placed') =>
      applyOrder(db.sql, source, OrderDraft.parse({ ...sampleDraft(id), status, shipBy }), null);
    await order('far', inHours(48));
    await order('soon', inHours(2));
    await order('shipped-late', inHours(-5), 'shipped');
    let h = await health();
    expect(h.shipBy).toMatchObject({ next: { externalId: 'soon' }, dueWithinDay: 1, overdue: 0 });
    expect(h.trouble).toContain('order soon must be confirmed shipped by');
    await order('late', inHours(-1));
    h = await health();
    expect(h.shipBy).toMatchObject({ next: { externalId: 'late' }, dueWithinDay: 1, overdue: 1 });
    expect(h.trouble).toContain("1 order past the marketplace's ship-by time");
    // The hub confirmed its last parcel: the deadline is met, before the marketplace's next import says so.
    const late = await db.sql<{ id: string }[]>`select id from orders where external_id = 'late'`;
    await metShipBy(db.sql, late[0]!.id);
    h = await health();
    expect(h.shipBy).toMatchObject({ next: { externalId: 'soon' }, dueWithinDay: 1, overdue: 0 });
  });

  it('shows notifications waiting to be fetched, and how long the fetched ones took', async () => {
    const notification = async (key: string, minutesAgo: number, hydrated: boolean) => {
      const inboxId = await storeRaw(db.sql, {
        tenantId: 'acme',
        connectionId: 'market',
        dedupeKey: key,
        receivedAt: new Date(),
        method: 'POST',
        path: '/webhooks/market',
        headers: {},
        contentType: 'application/json',
        body: new TextEncoder().encode('{}'),
        status: 'processed',
      });
      await db.sql`insert into hydrations (inbox_id, tenant_id, connection_id, resource, status, created_at, hydrated_at)
        values (${inboxId}, 'acme', 'market', ${db.sql.json({ type: 'order', id: key })},
                ${hydrated ? 'hydrated' : 'pending'}, now() - ${minutesAgo} * interval '1 minute',
                ${hydrated ? db.sql`now() - ${minutesAgo} * interval '1 minute' + interval '3 seconds'` : null})`;
    };
    await notification('n1', 20, true);
    await notification('n2', 15, true);
    await notification('n3', 12, false);
    const h = await health();
    expect(h.notifications).toMatchObject({
      pending: 1,
      lastHour: { fetched: 2, p50Seconds: 3, maxSeconds: 3 },
    });
    expect(h.notifications!.oldestPendingSeconds).toBeGreaterThanOrEqual(12 * 60 - 5);
    expect(h.trouble).toContain('1 notification waiting to be fetched, the oldest for 12 min');
  });

  it('shows a token the vendor refused as "reconnect needed", with the early warning', async () => {
    const source = tokenSource({
      connection: 'market',
      name: 'access token',
      identity: 'client-1',
      notice: () => 'the client secret is due for rotation by 2027-01-10',
      async mint() {
        throw new VendorError({
          vendor: 'Notify Shop',
          request: 'POST /token',
          status: 400,
          code: 'invalid_grant',
          message: 'the refresh token was revoked',
          retryable: false,
        });
      },
    });
    await expect(source.token()).rejects.toThrow(/invalid_grant/);
    const h = await health();
    expect(h.tokens).toEqual([
      expect.objectContaining({
        name: 'access token',
        state: 'reconnect-needed',
        notice: 'the client secret is due for rotation by 2027-01-10',
      }),
    ]);
    expect(h.trouble).toContain(
      'reconnect needed: the vendor refused the credentials behind the access token',
    );
    expect(h.trouble).toContain('the client secret is due for rotation by 2027-01-10');
  });

  it('shows the token states another hub process kept in the store, a lapsed one as expired', async () => {
    await recordTokenState(db.sql, 'market', {
      name: 'application token',
      state: 'valid',
      mintedAt: new Date(Date.now() - 7_200_000).toISOString(),
      expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    const h = await health();
    expect(h.tokens.find((t) => t.name === 'application token')).toMatchObject({ state: 'expired' });
  });
});
