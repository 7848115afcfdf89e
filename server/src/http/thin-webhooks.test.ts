import { createHash } from 'node:crypto';
import {
  type AnyConnector,
  type Connection,
  IntakeQueue,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import {
  createTestDatabase,
  fakeNotifyShop,
  type NotifyShopAuth,
  notifyShop,
  notifyShopNotification,
  type TestDatabase,
} from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log.ts';
import { createApp } from './app.ts';

/**
 * The webhook route for thin notifications, in each auth mode: what a sender hears (the contract kit and the
 * intake tests prove what happens behind the answer).
 */
const apiUrl = 'https://api.notify-shop.example';
const apiToken = 'notify-api-token-1';
const notificationToken = 'notify-notification-token-1';
const vendor = fakeNotifyShop(apiUrl, apiToken);
const server = setupServer(...vendor.handlers);
const modes: NotifyShopAuth[] = ['token', 'public-key', 'queue'];
const settings = { apiUrl, subscriptionId: 'sub-1' };
const secrets = { apiToken, notificationToken };

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let nudges = 0;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  const config: ResolvedConfig = {
    tenants: [{ id: 'acme', name: 'Acme' }],
    connections: modes.map((mode) => ({
      id: mode,
      tenantId: 'acme',
      connector: notifyShop(mode).id,
      settings,
      secrets,
      defaultedEnv: [],
    })),
    server: serverLimits(),
  };
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connections = new Map<string, Connection>(
    modes.map((mode) => [
      mode,
      { id: mode, tenantId: 'acme', connector: notifyShop(mode) as AnyConnector, settings, secrets },
    ]),
  );
  app = createApp(
    {
      sql: db.sql,
      intake: new IntakeQueue(db.sql),
      connections,
      config,
      hydrator: { nudge: () => nudges++ },
    } as Parameters<typeof createApp>[0],
    silentLogger,
  );
});
afterAll(async () => {
  server.close();
  await db?.drop();
});

const post = (mode: NotifyShopAuth, body: string, headers: Record<string, string>) =>
  app.request(`/webhooks/${mode}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('thin notifications at the webhook route', () => {
  it('answers a notification once it is stored, fetching nothing, and a repeat as a duplicate', async () => {
    const body = notifyShopNotification('n-route-1', 'ord-1');
    const fetches = vendor.state.fetches;
    const first = await post('token', body, { 'x-notify-token': notificationToken });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'accepted for hydration' });
    expect(nudges).toBe(1);
    expect(vendor.state.fetches).toBe(fetches);
    const again = await post('token', body, { 'x-notify-token': notificationToken });
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    expect(nudges).toBe(1);
    const [row] = await db.sql<{ headers: Record<string, string> }[]>`
      select headers from inbox where connection_id = 'token'`;
    expect(Object.keys(row!.headers)).not.toContain('x-notify-token');
  });

  it('refuses a wrong token with a problem that says what to do', async () => {
    const res = await post('token', notifyShopNotification('n-route-2', 'ord-2'), {
      'x-notify-token': 'not-the-token',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { fix: string }).fix).toBe(
      "send the connection's token in the header the notify-shop-token connector documents",
    );
  });

  it('answers 503 when the vendor’s signing key cannot be fetched, so the sender retries', async () => {
    const body = notifyShopNotification('n-route-3', 'ord-3');
    vendor.state.deny = true;
    try {
      const res = await post('public-key', body, vendor.signatureHeaders(new Uint8Array(Buffer.from(body))));
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      // The sender is not authenticated yet: it learns nothing of what the key service answered.
      const detail = ((await res.json()) as { detail: string }).detail;
      expect(detail).toBe('the public key that signed this delivery cannot be fetched now');
    } finally {
      vendor.state.deny = false;
    }
    // A failed key is not fetched again for a minute; after that the delivery the sender retries is taken.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      const res = await post('public-key', body, vendor.signatureHeaders(new Uint8Array(Buffer.from(body))));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'accepted for hydration' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 401 when the key service has no key of the id the signature names, and asks it once', async () => {
    const body = notifyShopNotification('n-route-5', 'ord-5');
    const forged = Buffer.from(
      JSON.stringify({
        alg: 'ECDSA',
        kid: 'forged-kid-1',
        signature: Buffer.from('forged').toString('base64'),
      }),
    ).toString('base64');
    const before = vendor.state.keyFetches;
    for (let i = 0; i < 3; i++) {
      const res = await post('public-key', body, { 'x-notify-signature': forged });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toBe(
        'Notify Shop has no public key "forged-kid-1", the key id this delivery\'s signature names',
      );
    }
    // The unknown key id is remembered: forged repeats spend no request at the vendor.
    expect(vendor.state.keyFetches).toBe(before + 1);
  });

  it('answers a vendor’s endpoint validation GET with the connector’s challenge response, storing nothing', async () => {
    const count = async () =>
      (
        await db.sql<{ n: number }[]>`select count(*)::int as n from inbox where connection_id = 'public-key'`
      )[0]!.n;
    const before = await count();
    const res = await app.request('/webhooks/public-key?challenge_code=abc123');
    expect(res.status).toBe(200);
    const expected = createHash('sha256')
      .update(`abc123${notificationToken}http://localhost/webhooks/public-key`)
      .digest('hex');
    expect(await res.json()).toEqual({ challengeResponse: expected });
    expect(await count()).toBe(before);
    // A GET the connector does not recognise, and a connection without a challenge, are 404 problems.
    const other = await app.request('/webhooks/public-key');
    expect(other.status).toBe(404);
    expect(((await other.json()) as { fix: string }).fix).toContain(
      'POST deliveries to /webhooks/public-key',
    );
    expect((await app.request('/webhooks/token?challenge_code=x')).status).toBe(404);
    expect((await app.request('/webhooks/nope?challenge_code=x')).status).toBe(404);
  });

  it('answers 404 to HTTP for a connection that reads its notifications from a queue', async () => {
    const res = await post('queue', notifyShopNotification('n-route-4', 'ord-4'), {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain(
      'reads its notifications from the vendor',
    );
  });
});
