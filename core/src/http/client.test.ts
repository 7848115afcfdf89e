import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createVendorClient,
  observeVendorCalls,
  type VendorCall,
  type VendorClientOptions,
} from './client.ts';
import { VendorError } from './vendor-error.ts';

const API = 'https://vendor.test/api/v1';
/** The VendorError a call failed with (a call that succeeds fails the test). */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as VendorError,
  );

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let keys = 0;
/** A client with a fake clock that the injected sleep moves forward, and every response it saw. */
function fake(options: Partial<VendorClientOptions> = {}) {
  let clock = Date.parse('2026-11-22T12:00:00Z');
  const waits: number[] = [];
  const responses: Response[] = [];
  const client = createVendorClient({
    vendor: 'Acme',
    baseUrl: API,
    budget: { key: `test-${++keys}`, perSecond: 1000, burst: 100 },
    now: () => clock,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      responses.push(response);
      return response;
    },
    ...options,
    retry: {
      baseDelayMs: 100,
      maxDelayMs: 1000,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      ...options.retry,
    },
  });
  /** Every body was read or cancelled: nothing left holding a connection. */
  const allConsumed = () => responses.every((r) => r.body === null || r.bodyUsed);
  return { client, waits, responses, allConsumed };
}

/** Answers with `answers` in turn (the last one repeats) and counts the calls. */
function answers(method: 'get' | 'post', path: string, ...list: (() => Response | Promise<Response>)[]) {
  const seen = { calls: 0 };
  server.use(
    http[method](`${API}${path}`, () => {
      const answer = list[Math.min(seen.calls, list.length - 1)]!;
      seen.calls++;
      return answer();
    }),
  );
  return seen;
}

const ok = () => HttpResponse.json({ id: 1 });

describe('createVendorClient: retries', () => {
  it('waits the seconds a 429 asks in Retry-After, then succeeds', async () => {
    const seen = answers(
      'get',
      '/orders',
      () => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '7' } }),
      ok,
    );
    const { client, waits, allConsumed } = fake();
    await expect(client.json('GET', '/orders')).resolves.toEqual({ id: 1 });
    expect(seen.calls).toBe(2);
    expect(waits).toEqual([7000]);
    expect(allConsumed()).toBe(true);
  });

  it('reads Retry-After as an HTTP date against its clock, and retries a 429 even for a POST', async () => {
    const seen = answers(
      'post',
      '/labels',
      () =>
        new HttpResponse(null, { status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 12:00:30 GMT' } }),
      ok,
    );
    const { client, waits } = fake();
    await expect(client.json('POST', '/labels', { json: { a: 1 } })).resolves.toEqual({ id: 1 });
    expect(seen.calls).toBe(2);
    expect(waits).toEqual([30_000]);
  });

  it('retries 5xx with a growing, capped backoff, and gives up after its attempts', async () => {
    const seen = answers('get', '/orders', () => new HttpResponse('down', { status: 503 }));
    const { client, waits, allConsumed } = fake({ retry: { attempts: 4 } });
    const error = await failure(client.json('GET', '/orders', { what: 'orders page' }));
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ status: 503, retryable: true, permanent: false });
    expect(error.message).toBe('Acme orders page failed: HTTP 503: down');
    expect(seen.calls).toBe(4);
    expect(waits).toHaveLength(3);
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(1000, 100 * 2 ** i));
    });
    expect(allConsumed()).toBe(true);
  });

  it('does not repeat a POST on a 5xx unless it is idempotent (it may have taken effect)', async () => {
    const bad = () => new HttpResponse(null, { status: 502 });
    const once = answers('post', '/charges', bad, bad, ok);
    const { client } = fake();
    await expect(client.json('POST', '/charges', { json: {} })).rejects.toMatchObject({
      status: 502,
      retryable: false,
    });
    expect(once.calls).toBe(1);
    await expect(
      client.json('POST', '/charges', { json: {}, idempotent: true, headers: { 'idempotency-key': 'k1' } }),
    ).resolves.toEqual({ id: 1 });
    expect(once.calls).toBe(3);
  });

  it('does not retry a 4xx, and reads the vendor code through the connector`s problem reader', async () => {
    const seen = answers('get', '/orders/9', () =>
      HttpResponse.json({ code: 'woocommerce_rest_invalid_id', message: 'Invalid ID.' }, { status: 400 }),
    );
    const { client, waits, allConsumed } = fake({
      problem: ({ text }) => {
        const body = JSON.parse(text) as { code?: string; message?: string };
        return body.code ? { code: body.code, message: body.message ?? '' } : undefined;
      },
    });
    const error = await failure(client.json('GET', '/orders/9'));
    expect(error).toMatchObject({
      status: 400,
      code: 'woocommerce_rest_invalid_id',
      retryable: false,
      permanent: true,
      request: 'GET /api/v1/orders/9',
    });
    expect(error.message).toBe(
      'Acme GET /api/v1/orders/9 failed: HTTP 400 (woocommerce_rest_invalid_id): Invalid ID.',
    );
    expect(seen.calls).toBe(1);
    expect(waits).toEqual([]);
    expect(allConsumed()).toBe(true);
  });

  it('turns a 200 that the problem reader calls throttled into a retry after the wait it gives', async () => {
    const seen = answers(
      'post',
      '/graphql',
      () => HttpResponse.json({ errors: [{ extensions: { code: 'THROTTLED' } }] }),
      () => HttpResponse.json({ data: { orders: [] } }),
    );
    const { client, waits } = fake({
      problem: ({ text }) =>
        text.includes('THROTTLED') ? { code: 'THROTTLED', retryable: true, retryAfterMs: 1500 } : undefined,
    });
    await expect(
      client.json('POST', '/graphql', { json: { query: '{}' }, idempotent: true }),
    ).resolves.toEqual({
      data: { orders: [] },
    });
    expect(seen.calls).toBe(2);
    expect(waits).toEqual([1500]);
  });

  it('holds the whole connection when the rate headers say nothing remains', async () => {
    answers('get', '/orders', () =>
      HttpResponse.json([], { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '5' } }),
    );
    const { client, waits } = fake();
    await client.json('GET', '/orders');
    expect(waits).toEqual([]);
    await client.json('GET', '/orders');
    expect(waits).toEqual([5000]);
  });
});

describe('createVendorClient: answers', () => {
  it('gives undefined for a 204, and the empty answer from request', async () => {
    answers('post', '/fulfillments', () => new HttpResponse(null, { status: 204 }));
    const { client, allConsumed } = fake();
    await expect(client.json('POST', '/fulfillments', { json: {} })).resolves.toBeUndefined();
    await expect(client.request('POST', '/fulfillments')).resolves.toMatchObject({ status: 204, text: '' });
    expect(allConsumed()).toBe(true);
  });

  it('gives undefined for a 404 when asked, and a permanent error otherwise', async () => {
    const seen = answers('get', '/orders/404', () =>
      HttpResponse.json({ error: 'not found' }, { status: 404 }),
    );
    const { client, responses, allConsumed } = fake();
    await expect(client.json('GET', '/orders/404', { notFound: 'undefined' })).resolves.toBeUndefined();
    expect(responses[0]?.bodyUsed).toBe(true); // cancelled, not left open
    await expect(client.json('GET', '/orders/404')).rejects.toMatchObject({ status: 404, permanent: true });
    expect(seen.calls).toBe(2);
    expect(allConsumed()).toBe(true);
  });

  it('refuses an answer that is not JSON, saying where to look', async () => {
    answers('get', '/orders', () => new HttpResponse('<html>Log in</html>', { status: 200 }));
    const { client, allConsumed } = fake();
    const error = await failure(client.json('GET', '/orders'));
    expect(error).toMatchObject({ code: 'invalid-json', retryable: false });
    expect(error.message).toMatch(/not JSON: <html>Log in<\/html> — check that the connection's address/);
    expect(allConsumed()).toBe(true);
  });

  it('times out an attempt that gets no answer, retryable for a read', async () => {
    server.use(http.get(`${API}/slow`, async () => delay('infinite')));
    const { client } = fake({ timeoutMs: 20 });
    const error = await failure(client.json('GET', '/slow', { retry: false }));
    expect(error).toMatchObject({ code: 'timeout', retryable: true, status: undefined });
    expect(error.message).toBe('Acme GET /api/v1/slow failed: (timeout): no answer within 20 ms');
  });

  it('stops on the caller`s abort with its reason, without retrying', async () => {
    server.use(http.get(`${API}/slow`, async () => delay('infinite')));
    const { client, waits } = fake();
    const stop = new AbortController();
    const call = client.json('GET', '/slow', { signal: stop.signal });
    stop.abort(new Error('shutting down'));
    await expect(call).rejects.toThrow('shutting down');
    expect(waits).toEqual([]);
  });
});

describe('observeVendorCalls', () => {
  it('tells each attempt with its status, a 429 as throttled, and stops when asked', async () => {
    answers(
      'get',
      '/orders',
      () => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '1' } }),
      ok,
    );
    const calls: VendorCall[] = [];
    const stop = observeVendorCalls((call) => calls.push(call));
    const broken = observeVendorCalls(() => {
      throw new Error('an observer bug');
    });
    const { client } = fake({ connection: 'shop' });
    await expect(client.json('GET', '/orders')).resolves.toEqual({ id: 1 });
    stop();
    broken();
    await client.json('GET', '/orders');
    expect(calls).toEqual([
      expect.objectContaining({
        vendor: 'Acme',
        connection: 'shop',
        method: 'GET',
        status: 429,
        ok: false,
        throttled: true,
      }),
      expect.objectContaining({
        vendor: 'Acme',
        connection: 'shop',
        method: 'GET',
        status: 200,
        ok: true,
        throttled: false,
      }),
    ]);
  });

  it('tells a call that got no answer with its code, and names the budget key as the connection', async () => {
    server.use(http.get(`${API}/slow`, async () => delay('infinite')));
    const calls: VendorCall[] = [];
    const stop = observeVendorCalls((call) => calls.push(call));
    const { client } = fake({ timeoutMs: 20 });
    await failure(client.json('GET', '/slow', { retry: false }));
    stop();
    expect(calls).toEqual([
      expect.objectContaining({
        code: 'timeout',
        ok: false,
        throttled: false,
        connection: expect.stringMatching(/^test-/),
      }),
    ]);
    expect(calls[0]).not.toHaveProperty('status');
  });
});
