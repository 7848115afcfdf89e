import {
  type AnyConnector,
  type ConnectionContext,
  connectionContext,
  type PulledRecord,
  tokenStates,
  VendorError,
} from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ebayApi, ebayProblem } from '../src/client.ts';
import { ebay } from '../src/index.ts';
import { fetchOrder, pullOrders } from '../src/pull.ts';
import { perSecondOf } from '../src/quota.ts';
import type { Secrets, Settings } from '../src/settings.ts';
import { ebayOrder, fakeEbay } from './fakes/index.ts';
import { apiOrigin, secrets } from './keys.ts';

/** The hand-written client: tokens, eBay's errors, its quota, and the getOrders window. */
const connector = ebay as unknown as AnyConnector;
const vendor = fakeEbay({ apiOrigin, ...secrets, fulfillmentPerDay: 86_400_000 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
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
    for (const id of [32100, 32210, 32300, 34100, 34500]) {
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

async function pullAll(c: ConnectionContext<Settings, Secrets>, onPage?: () => void, since?: Date) {
  const records: PulledRecord[] = [];
  const pages: { cursor: string | null; watermark?: string; remaining?: number; status?: string }[] = [];
  for await (const page of pullOrders(c, {
    signal: new AbortController().signal,
    ...(since ? { since } : {}),
  })) {
    records.push(...page.records);
    pages.push(page);
    onPage?.();
  }
  return { records, pages };
}

describe('getOrders by modification time', () => {
  it('lists a fixed window by offset, the window’s end becoming the watermark', async () => {
    hold(
      ...Array.from({ length: 12 }, (_, i) => order(`31-00000-${String(i).padStart(5, '0')}`, at(60 - i))),
    );
    const now = new Date();
    const { records, pages } = await pullAll(
      context({}, () => now),
      undefined,
      new Date(Date.now() - 3_600_000),
    );
    expect(records).toHaveLength(12);
    expect(pages.map((p) => p.remaining)).toEqual([7, 2, 0]);
    expect(pages.every((p) => p.watermark === now.toISOString())).toBe(true);
  });

  it('loses no order when one modified during the pull leaves the window and shifts the rest back', async () => {
    // eBay lists by creation date: orders created in this order, all modified in the last hour.
    const orders = Array.from({ length: 12 }, (_, i) =>
      order(`32-00000-${String(i).padStart(5, '0')}`, at(50 - i), at(500 - i)),
    );
    hold(...orders);
    let moved = false;
    const { records } = await pullAll(
      context(),
      () => {
        if (moved) return;
        moved = true;
        // After the first page, the second order changes: it leaves the window, and order 5 moves to page one.
        orders[1]!.lastModifiedDate = new Date(Date.now() + 60_000).toISOString();
      },
      new Date(Date.now() - 3_600_000),
    );
    const ids = new Set(records.map((r) => JSON.parse(Buffer.from(r.body).toString()).orderId));
    expect([...ids].sort()).toEqual(orders.map((o) => o.orderId).sort());
  });

  it('asks for at most two years, and says so when a backfill reaches further', async () => {
    hold(order('33-00000-00001', at(5)));
    const { pages } = await pullAll(context(), undefined, new Date('2020-01-01T00:00:00Z'));
    expect(pages[0]!.status).toMatch(/up to two years old/);
    const filters: string[] = [];
    const listener = ({ request }: { request: Request }) => {
      const url = new URL(request.url);
      if (url.pathname.endsWith('/order')) filters.push(request.url);
    };
    server.events.on('request:start', listener);
    try {
      await pullAll(context(), undefined, new Date(Date.now() - 86_400_000));
    } finally {
      server.events.removeListener('request:start', listener);
    }
    // The brackets of the filter are percent-encoded, as eBay requires.
    expect(filters[0]).toMatch(/filter=lastmodifieddate%3A%5B\d{4}-.*Z\.\.\d{4}-.*Z%5D/);
    expect(new URL(filters[0]!).searchParams.get('limit')).toBe('5');
  });

  it('refuses a cursor that is not its own, saying how to start afresh', async () => {
    const pages = pullOrders(context(), {
      signal: new AbortController().signal,
      cursor: '{"after":null,"page":2}',
    });
    await expect(pages.next()).rejects.toThrow(/--restart/);
  });
});
