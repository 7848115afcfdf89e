import {
  type AnyConnector,
  type ConnectionContext,
  connectionContext,
  tokenStates,
  VendorError,
} from '@switchyard/core';
import { delay, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ebayApi, ebayProblem } from '../src/client.ts';
import { ebay } from '../src/index.ts';
import { fetchOrder } from '../src/pull.ts';
import { perSecondOf } from '../src/quota.ts';
import type { Secrets, Settings } from '../src/settings.ts';
import { ebayErrors } from './fakes/ebay.ts';
import { ebayOrder, fakeEbay } from './fakes/index.ts';
import { apiOrigin, secrets } from './keys.ts';

/** The hand-written client: tokens, eBay's errors, its quota, and the getOrders window. */
const connector = ebay as unknown as AnyConnector;
const vendor = fakeEbay({ apiOrigin, ...secrets, fulfillmentPerDay: 86_400_000 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  server.resetHandlers();
  vendor.state.deny = false;
  vendor.state.revoked = false;
  vendor.state.throttleNext = 0;
});

let n = 0;
const context = (settings: Record<string, unknown> = {}, now?: () => Date) =>
  connectionContext(
    {
      id: `client-${++n}`,
      tenantId: 'acme',
      connector,
      settings: connector.settings.parse({ apiOrigin, pageSize: 5, ...settings }),
      secrets: connector.secrets.parse(secrets),
    },
    now,
  ) as ConnectionContext<Settings, Secrets>;

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const order = (id: string, modified: string, created = modified) =>
  ebayOrder({
    orderId: id,
    lastModifiedDate: modified,
    creationDate: created,
    lines: [{ lineItemId: `l-${id}`, sku: 'MUG-1', quantity: 1, price: 1000 }],
  });
const hold = (...orders: ReturnType<typeof order>[]) => {
  vendor.state.orders = new Map(orders.map((o) => [o.orderId, o]));
};
const tokens = () => vendor.state.calls['token:refresh_token'] ?? 0;

describe('the seller’s access token', () => {
  it('is minted once for concurrent calls and cached after (eBay counts token requests per day)', async () => {
    hold(order('11-00000-00001', at(5)));
    const c = context();
    const before = tokens();
    await Promise.all(
      Array.from({ length: 8 }, () => fetchOrder(c, '11-00000-00001', new AbortController().signal)),
    );
    await fetchOrder(c, '11-00000-00001', new AbortController().signal);
    expect(tokens() - before).toBe(1);
    expect(tokenStates(c.connectionId).find((s) => s.name === 'eBay user access token')).toMatchObject({
      state: 'valid',
    });
  });

  it('mints a new token once when eBay refuses the cached one before its time', async () => {
    hold(order('11-00000-00002', at(5)));
    const c = context();
    await fetchOrder(c, '11-00000-00002', new AbortController().signal);
    vendor.state.userTokens.clear(); // eBay revoked the issued tokens (a password change)
    const before = tokens();
    const record = await fetchOrder(c, '11-00000-00002', new AbortController().signal);
    expect(record?.dedupeKey).toMatch(/^order:11-00000-00002@/);
    expect(tokens() - before).toBe(1);
  });

  it('forgets only the token eBay refused: a slower call’s 401 does not discard the one minted meanwhile', async () => {
    hold(order('11-00000-00010', at(5)), order('11-00000-00011', at(5)));
    const c = context();
    await fetchOrder(c, '11-00000-00010', new AbortController().signal);
    const revoked = [...vendor.state.userTokens].at(-1); // this connection’s, minted just now
    vendor.state.userTokens.clear(); // eBay revoked the token both calls below present
    const presented: string[] = [];
    server.use(
      http.get(`${apiOrigin}/sell/fulfillment/v1/order/11-00000-00011`, async ({ request }) => {
        const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
        presented.push(bearer);
        if (vendor.state.userTokens.has(bearer)) return undefined; // eBay's own answer
        // The refusal of this call comes back after the other call has met its own and minted a new token.
        await delay(150);
        return ebayErrors(401, {
          errorId: 1001,
          domain: 'OAuth',
          category: 'REQUEST',
          message: 'Invalid access token',
        });
      }),
    );
    const before = tokens();
    const fetched = await Promise.all(
      ['11-00000-00011', '11-00000-00010'].map((id) => fetchOrder(c, id, new AbortController().signal)),
    );
    expect(fetched.every((r) => r !== undefined)).toBe(true);
    // The slow call presented the revoked token, then the one the other call had minted: one mint for both.
    expect(presented).toHaveLength(2);
    expect(presented[0]).toBe(revoked);
    expect(presented[1]).not.toBe(revoked);
    expect(tokens() - before).toBe(1);
  });

  it('says "reconnect needed" when eBay answers invalid_grant, and the connection’s health shows it', async () => {
    vendor.state.revoked = true;
    const c = context();
    const error = await fetchOrder(c, '11-00000-00003', new AbortController().signal).catch((e) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ code: 'invalid_grant', retryable: false });
    expect(String(error.message)).toMatch(/refused/);
    expect(String(error.problem.fix)).toMatch(/reconnect needed/);
    expect(String(error.message)).not.toContain(secrets.refreshToken);
    expect(tokenStates(c.connectionId).find((s) => s.name === 'eBay user access token')).toMatchObject({
      state: 'reconnect-needed',
    });
  });

  it('sends Bearer and the marketplace id on every call', async () => {
    const seen: Record<string, string | null>[] = [];
    const c = context({ marketplaceId: 'EBAY_GB' });
    hold(order('11-00000-00004', at(5)));
    const listener = ({ request }: { request: Request }) => {
      if (request.url.includes('/sell/fulfillment/')) {
        seen.push({
          auth: request.headers.get('authorization')?.split(' ')[0] ?? null,
          marketplace: request.headers.get('x-ebay-c-marketplace-id'),
        });
      }
    };
    server.events.on('request:start', listener);
    try {
      await fetchOrder(c, '11-00000-00004', new AbortController().signal);
    } finally {
      server.events.removeListener('request:start', listener);
    }
    expect(seen).toEqual([{ auth: 'Bearer', marketplace: 'EBAY_GB' }]);
  });
});

describe('what eBay counts per application (keyset), not per connection', () => {
  // A keyset of its own at another origin: nothing minted or read for it before this check.
  const origin = 'https://api.other-keyset.ebay.test';
  const keyset = { ...secrets, clientId: 'AcmeOutf-Switchya-PRD-0other00-keyset00' };
  const other = fakeEbay({ apiOrigin: origin, ...keyset, fulfillmentPerDay: 86_400_000 });
  const sellers = ['seller-a', 'seller-b', 'seller-c'].map((id) =>
    connectionContext({
      id: `keyset-${id}`,
      tenantId: 'acme',
      connector,
      settings: connector.settings.parse({ apiOrigin: origin }),
      secrets: connector.secrets.parse(keyset),
    }),
  ) as ConnectionContext<Settings, Secrets>[];

  it('mints one application token for the keyset’s connections, each showing it in its health', async () => {
    server.use(...other.handlers);
    other.state.orders.set('41-00000-00001', order('41-00000-00001', at(5)));
    await Promise.all(
      sellers.map(async (c) => {
        const notification = await ebayApi(c, 'notification');
        await notification.json('GET', `public_key/${other.kid}`);
        await fetchOrder(c, '41-00000-00001', new AbortController().signal);
      }),
    );
    expect(other.state.calls['token:client_credentials']).toBe(1);
    // The keyset's quota is read once (getRateLimits), and each seller's own user token is minted.
    expect(other.state.calls.getRateLimits).toBe(1);
    expect(other.state.calls['token:refresh_token']).toBe(3);
    for (const c of sellers) {
      expect(
        tokenStates(c.connectionId).find((s) => s.name === 'eBay application access token'),
      ).toMatchObject({ state: 'valid' });
    }
  });

  it('mints the keyset’s application token again once when eBay refuses it, for all its connections', async () => {
    server.use(...other.handlers);
    other.state.appTokens.clear(); // eBay revoked the application token
    const before = other.state.calls['token:client_credentials'] ?? 0;
    await Promise.all(
      sellers.map(async (c) => {
        const notification = await ebayApi(c, 'notification');
        await notification.json('GET', `public_key/${other.kid}`);
      }),
    );
    expect((other.state.calls['token:client_credentials'] ?? 0) - before).toBe(1);
  });
});

describe('eBay’s errors', () => {
  it('reads errorId, message, longMessage and parameters, and says what to do for the known ones', () => {
    const problem = ebayProblem({
      status: 400,
      text: JSON.stringify({
        errors: [
          {
            errorId: 32200,
            domain: 'API_FULFILLMENT',
            category: 'REQUEST',
            message: 'Invalid line item id',
            longMessage: 'The line item id is not part of the order',
            parameters: [{ name: 'lineItemId', value: '999' }],
          },
        ],
      }),
    });
    expect(problem).toMatchObject({
      code: '32200',
      message: 'Invalid line item id The line item id is not part of the order (lineItemId=999)',
      fix: expect.stringMatching(/lineItemId/),
    });
    for (const id of [30850, 32100, 32210, 32300, 34100, 34500]) {
      const p = ebayProblem({
        status: 400,
        text: JSON.stringify({ errors: [{ errorId: id, message: 'x' }] }),
      });
      expect(p?.fix?.length, String(id)).toBeGreaterThan(40);
    }
    expect(ebayProblem({ status: 200, text: '{"orders":[]}' })).toBeUndefined();
  });

  it('waits out a 429 (eBay’s quota refusal, error 2001) and completes', async () => {
    hold(order('11-00000-00005', at(5)));
    vendor.state.throttleNext = 2;
    const record = await fetchOrder(context(), '11-00000-00005', new AbortController().signal);
    expect(record).toBeDefined();
    expect(vendor.state.throttleNext).toBe(0);
  });

  it('gives up on a 429 that lasts, with eBay’s words', async () => {
    hold(order('11-00000-00006', at(5)));
    vendor.state.throttleNext = 100;
    const api = await ebayApi(context(), 'fulfillment');
    const error = await api
      .json<unknown>('GET', 'order/11-00000-00006', { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } })
      .catch((e: unknown) => e as VendorError);
    expect(error).toMatchObject({ status: 429, code: '2001', retryable: true });
    expect(String((error as VendorError).message)).toMatch(/request limit has been reached/);
  });
});

describe('the daily quota', () => {
  it('spreads the quota getRateLimits states over its window', () => {
    const response = {
      rateLimits: [
        {
          apiContext: 'sell',
          apiName: 'Fulfillment',
          resources: [
            { name: 'sell.fulfillment', rates: [{ limit: 100_000, remaining: 99_000, timeWindow: 86_400 }] },
          ],
        },
        {
          apiContext: 'sell',
          apiName: 'Inventory',
          resources: [{ name: 'sell.inventory', rates: [{ limit: 2_000_000, timeWindow: 86_400 }] }],
        },
      ],
    };
    expect(perSecondOf(response, 'fulfillment')).toBeCloseTo(100_000 / 86_400, 6);
    expect(perSecondOf(response, 'inventory')).toBeCloseTo(2_000_000 / 86_400, 6);
    expect(perSecondOf({}, 'fulfillment')).toBeUndefined();
  });
});
