import { VendorError } from '@switchyard/core';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amazonApi, WAIT_BUDGET_MS } from '../src/client.ts';
import { bucketFor, TokenBucket, TooLongWait, USAGE_PLANS } from '../src/rate-limit.ts';
import { Settings } from '../src/settings.ts';
import { CREDENTIALS, fakeAmazon, sampleOrder } from './fakes/index.ts';

/** The SP-API client: token buckets per operation, corrected by Amazon's header, 429s, errors in words. */
const vendor = fakeAmazon();
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const settings = Settings.parse({ sellerId: 'A3SELLERFAKE01', marketplaceIds: ['ATVPDKIKX0DER'] });
let n = 0;
const context = () => ({ connectionId: `client-${++n}`, settings, secrets: CREDENTIALS });
const ORDER = '113-5555555-5555555';
vendor.api.orders.set(ORDER, sampleOrder(ORDER, '2026-11-30T12:00:00Z'));
const getOrder = (api: ReturnType<typeof amazonApi>, id = ORDER) =>
  api.json<{ order: { orderId: string } }>('getOrder', 'GET', `orders/2026-01-01/orders/${id}`, {
    query: { includedData: ['FULFILLMENT'] },
  });

describe('the token bucket', () => {
  it('allows its burst back to back, then one call per restore interval', () => {
    let clock = 0;
    const bucket = new TokenBucket({ rate: 0.5, burst: 3 }, () => clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    // Empty: the fourth waits one interval (2 s) and a margin of 1% of it; the fifth one more.
    expect(bucket.reserve()).toBe(2020);
    expect(bucket.reserve()).toBe(4020);
    clock = 10_000;
    // Ten seconds restore five tokens, two of them already promised.
    expect(bucket.reserve()).toBe(0);
  });

  it('restores at the rate Amazon states from then on', () => {
    let clock = 0;
    const bucket = new TokenBucket(USAGE_PLANS.searchOrders, () => clock);
    for (let i = 0; i < 20; i++) expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBeGreaterThan(178_000);
    bucket.setRate(2);
    clock = 250;
    // The 21st call's token is still owed, half of it restored since at 2 per second: the 22nd waits 1.5 tokens.
    expect(bucket.reserve()).toBe(755);
  });

  it('does not begin a wait longer than the caller allows, and keeps the token for the next caller', async () => {
    const bucket = new TokenBucket({ rate: 1, burst: 1 }, () => 0);
    await bucket.take();
    const refused = await bucket.take(undefined, 500).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooLongWait);
    expect((refused as TooLongWait).waitMs).toBe(1010);
    // The refused wait reserved nothing: the next caller waits one interval, not two.
    expect(bucket.reserve()).toBe(1010);
  });

  it('counts itself empty after a 429, whatever it held', () => {
    let clock = 0;
    const bucket = new TokenBucket({ rate: 10, burst: 10 }, () => clock);
    bucket.drained();
    expect(bucket.reserve()).toBe(101);
    clock = 1_000;
    expect(bucket.reserve()).toBe(0);
  });
});

describe('the SP-API client', () => {
  it('sends the LWA token in x-amz-access-token and takes the rate Amazon states in x-amzn-RateLimit-Limit', async () => {
    const c = context();
    const bucket = bucketFor(c.connectionId, 'getOrder', false);
    expect(bucket.rate).toBe(0.5);
    expect((await getOrder(amazonApi(c))).order.orderId).toBe(ORDER);
    // The fake states the documented plan; Amazon states what the seller was granted, whatever it is.
    expect(bucket.rate).toBe(0.5);
    const scaled = fakeAmazon({ api: 'https://sellingpartnerapi-eu.amazon.com', enforce: { scale: 40 } });
    server.use(...scaled.handlers);
    scaled.api.orders.set(ORDER, sampleOrder(ORDER, '2026-11-30T12:00:00Z'));
    try {
      const eu = { ...c, connectionId: `client-eu-${n}`, settings: { ...settings, region: 'eu' as const } };
      await getOrder(amazonApi(eu));
      expect(bucketFor(eu.connectionId, 'getOrder', false).rate).toBe(20);
    } finally {
      server.resetHandlers();
    }
  });

  it('forgets only the token Amazon refused: a call refused late does not throw away the one minted since', async () => {
    const OTHER = '113-5555555-5555556';
    vendor.api.orders.set(OTHER, sampleOrder(OTHER, '2026-11-30T12:00:00Z'));
    const api = amazonApi(context());
    await getOrder(api);
    const expired = [...vendor.api.tokens].at(-1)!;
    vendor.api.expireTokens();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = true;
    server.use(
      http.get(`${vendor.api.api}/orders/2026-01-01/orders/${OTHER}`, async ({ request }) => {
        if (holding && request.headers.get('x-amz-access-token') === expired) {
          holding = false;
          await held;
        }
        return undefined;
      }),
    );
    try {
      const mints = vendor.api.mints;
      const late = getOrder(api, OTHER);
      expect((await getOrder(api)).order.orderId).toBe(ORDER); // 403 expired, a new token, the call again
      expect(vendor.api.mints - mints).toBe(1);
      release();
      expect((await late).order.orderId).toBe(OTHER);
      // The late 403 was for the expired token: the new one is kept, not minted over.
      expect(vendor.api.mints - mints).toBe(1);
    } finally {
      server.resetHandlers();
    }
  });

  it('gives up a searchOrders whose wait would outlast the sync’s lease, saying so, without calling Amazon', async () => {
    const c = context();
    const bucket = bucketFor(c.connectionId, 'searchOrders', false);
    // The burst spent and two calls owed: the next is three restore intervals (540 s) away.
    for (let i = 0; i < USAGE_PLANS.searchOrders.burst + 2; i++) bucket.reserve();
    const searches = () => vendor.api.calls.filter((call) => call.operation === 'searchOrders').length;
    const before = searches();
    const started = Date.now();
    const error = await amazonApi(c)
      .json('searchOrders', 'GET', 'orders/2026-01-01/orders', {
        query: { lastUpdatedAfter: '2026-11-30T00:00:00Z' },
      })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(searches() - before).toBe(0);
    expect((error as Error).message).toMatch(
      new RegExp(
        `Amazon throttles searchOrders for this seller \\(one call every 178.6 s after its burst\\) and the next try would come in 5\\d\\d s, past the ${WAIT_BUDGET_MS.searchOrders! / 1000} s one call may wait .*: this sync stops here and the next one resumes from this page`,
      ),
    );
  });

  it('waits out a 429 at the operation’s restore rate and then succeeds', async () => {
    const c = context();
    const api = amazonApi(c);
    await getOrder(api);
    const calls = vendor.api.calls.length;
    vendor.api.throttleNext = 1;
    expect((await getOrder(api)).order.orderId).toBe(ORDER);
    expect(vendor.api.calls.slice(calls).map((call) => [call.operation, call.status])).toEqual([
      ['getOrder', 429],
      ['getOrder', 200],
    ]);
  });

  it('retries a 500, and words Amazon’s error bodies with what to do', async () => {
    const api = amazonApi(context());
    vendor.api.failNext.set('getOrder', 1);
    expect((await getOrder(api)).order.orderId).toBe(ORDER);
    let thrown: unknown;
    try {
      await api.json('getOrder', 'GET', 'orders/2026-01-01/orders/113-0000000-4040404', {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VendorError);
    expect(thrown).toMatchObject({ status: 404, code: 'NotFound', retryable: false });
    expect((thrown as VendorError).message).toMatch(/Order 113-0000000-4040404 not found/);
    expect((thrown as VendorError).problem.fix).toMatch(/check the id and settings.marketplaceIds/);
  });

  it('says an invalid search is invalid, in Amazon’s words, and does not repeat it', async () => {
    const api = amazonApi(context());
    const searches = () => vendor.api.calls.filter((call) => call.operation === 'searchOrders').length;
    const before = searches();
    await expect(
      api.json('searchOrders', 'GET', 'orders/2026-01-01/orders', {
        query: { lastUpdatedAfter: '2026-11-30T00:00:00Z', lastUpdatedBefore: new Date().toISOString() },
        what: 'orders page',
      }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'InvalidInput',
      message: expect.stringMatching(/at least two minutes before[\s\S]*correct the value/),
    });
    expect(searches() - before).toBe(1);
  });
});
