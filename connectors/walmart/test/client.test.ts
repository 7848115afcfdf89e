import { tokenStates, VendorError } from '@switchyard/core';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { walmartClient } from '../src/client.ts';
import { walmartErrors, walmartProblem } from '../src/errors.ts';
import { Settings } from '../src/settings.ts';
import { observeAnswer, takeToken } from '../src/throttle.ts';
import { TOKEN_NAME } from '../src/token.ts';
import { fakeWalmart, walmartErrorBody, walmartOrder } from './fakes/index.ts';

const vendor = fakeWalmart({ rateScale: 100 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vendor.deny = false;
  vendor.throttleNext = 0;
  vendor.calls.length = 0;
  server.resetHandlers();
});
vendor.put(walmartOrder('1800000000001'));
vendor.put(walmartOrder('1800000000002'));

let n = 0;
const context = (
  settings: Partial<Settings> = {},
  secrets = { clientId: vendor.clientId, clientSecret: vendor.clientSecret },
) => ({
  connectionId: `client-test-${++n}`,
  settings: Settings.parse(settings),
  secrets,
});
const readOrder = (api: ReturnType<typeof walmartClient>) =>
  api.json<{ order: { purchaseOrderId: string } }>('GET', 'v3/orders/1800000000001');

describe('the Walmart client', () => {
  it('mints one token for concurrent calls and reuses it until it nears expiry', async () => {
    const mints = vendor.mints;
    const api = walmartClient(context());
    const answers = await Promise.all(Array.from({ length: 5 }, () => readOrder(api)));
    expect(answers.map((a) => a.order.purchaseOrderId)).toEqual(Array(5).fill('1800000000001'));
    await readOrder(api);
    expect(vendor.mints - mints).toBe(1);
    expect(vendor.calls.map((c) => c.operation)).toEqual(['token', ...Array(6).fill('order')]);
  });

  it('mints again shortly before the token runs out', async () => {
    vendor.tokenLifetimeSeconds = 1;
    try {
      const api = walmartClient(context());
      const mints = vendor.mints;
      await readOrder(api);
      await readOrder(api);
      expect(vendor.mints - mints).toBe(1);
      // A tenth of the lifetime before its end (here 100 ms), the next call gets a new one.
      await new Promise((r) => setTimeout(r, 950));
      await readOrder(api);
      expect(vendor.mints - mints).toBe(2);
      expect(vendor.calls.every((c) => c.status === 200)).toBe(true);
    } finally {
      vendor.tokenLifetimeSeconds = 900;
    }
  });

  it('sends the WM_* headers on every call, a fresh correlation id each time', async () => {
    const api = walmartClient(context({ channelType: '0f3e4dd4-0514-4346-b39d-af0e00ea' }));
    const seen: Headers[] = [];
    const listen = ({ request }: { request: Request }) => void seen.push(request.headers);
    server.events.on('request:start', listen);
    try {
      await readOrder(api);
      await readOrder(api);
    } finally {
      server.events.removeListener('request:start', listen);
    }
    expect(seen).toHaveLength(3);
    for (const h of seen) {
      expect(h.get('wm_svc.name')).toBe('Walmart Marketplace');
      expect(h.get('wm_consumer.channel.type')).toBe('0f3e4dd4-0514-4346-b39d-af0e00ea');
      expect(h.get('accept')).toBe('application/json');
      expect(h.get('wm_qos.correlation_id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(seen.map((h) => h.get('wm_qos.correlation_id'))).size).toBe(3);
    expect(seen[0]!.get('authorization')).toMatch(/^Basic /);
    expect(seen.slice(1).every((h) => h.get('wm_sec.access_token')?.startsWith('wm-tok-'))).toBe(true);
  });

  it('is refused by Walmart without its headers, as Walmart answers', async () => {
    const token = [...vendor.tokens.keys()][0]!;
    const url = `${vendor.origin}/v3/orders/1800000000001`;
    const bare = await fetch(url, { headers: { accept: 'application/json' } });
    expect(bare.status).toBe(401);
    expect(walmartErrors(await bare.text())[0]?.code).toBe('UNAUTHORIZED.GMP_GATEWAY_API');
    const noName = await fetch(url, {
      headers: { accept: 'application/json', 'WM_SEC.ACCESS_TOKEN': token, 'WM_QOS.CORRELATION_ID': 'x' },
    });
    expect(noName.status).toBe(400);
    expect(walmartErrors(await noName.text())[0]).toMatchObject({
      code: 'INVALID_REQUEST_HEADER.GMP_GATEWAY_API',
      field: 'WM_SVC.NAME',
    });
  });

  it('mints a new token when Walmart refuses the cached one, and makes the call once more', async () => {
    const api = walmartClient(context());
    await readOrder(api);
    vendor.tokens.clear(); // revoked at Walmart, still cached here
    const mints = vendor.mints;
    await readOrder(api);
    expect(vendor.mints - mints).toBe(1);
    expect(vendor.calls.slice(-3).map((c) => [c.operation, c.status])).toEqual([
      ['order', 401],
      ['token', 200],
      ['order', 200],
    ]);
  });

  it('says "reconnect needed" when Walmart refuses the client credentials, without them', async () => {
    const c = context({}, { clientId: vendor.clientId, clientSecret: 'wm-wrong-secret-999' });
    const error = await readOrder(walmartClient(c)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_client', retryable: false });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toMatch(/refused the credentials for access token/);
    expect(text).not.toContain('wm-wrong-secret-999');
    expect(text).not.toContain(Buffer.from(`${vendor.clientId}:wm-wrong-secret-999`).toString('base64'));
    expect(tokenStates(c.connectionId)).toEqual([
      expect.objectContaining({ name: TOKEN_NAME, state: 'reconnect-needed' }),
    ]);
    // The order call was never made with a token that does not exist.
    expect(vendor.calls.map((x) => x.operation)).toEqual(['token']);
  });

  it('forgets only the token Walmart refused: a call refused late does not throw away the one minted since', async () => {
    const api = walmartClient(context());
    await readOrder(api);
    const refused = [...vendor.tokens.keys()].at(-1)!;
    vendor.tokens.delete(refused); // revoked at Walmart, still cached here
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = true;
    // The second order's first read, with the revoked token, is answered only after the first call has minted anew.
    server.use(
      http.get(`${vendor.origin}/v3/orders/1800000000002`, async ({ request }) => {
        if (holding && request.headers.get('wm_sec.access_token') === refused) {
          holding = false;
          await held;
        }
        return undefined;
      }),
    );
    const mints = vendor.mints;
    const late = api.json('GET', 'v3/orders/1800000000002');
    await readOrder(api); // 401, a new token, the call again
    expect(vendor.mints - mints).toBe(1);
    release();
    await late;
    // The late 401 was for the revoked token: the new one stays, and is not minted a third time.
    expect(vendor.mints - mints).toBe(1);
    expect(vendor.calls.filter((c) => c.operation === 'order').map((c) => c.status)).toEqual([
      200, 401, 200, 401, 200,
    ]);
  });

  it('keeps a 400 of the token call (a header, the form) a plain failure with its fix, not "reconnect needed"', async () => {
    server.use(
      http.post(`${vendor.origin}/v3/token`, () =>
        HttpResponse.json(
          walmartErrorBody(
            'INVALID_REQUEST_HEADER.GMP_GATEWAY_API',
            'WM_CONSUMER.CHANNEL.TYPE set null or invalid',
            'WM_CONSUMER.CHANNEL.TYPE',
            'REQUEST',
          ),
          { status: 400 },
        ),
      ),
    );
    const c = context({ channelType: 'not-a-channel' });
    const error = await readOrder(walmartClient(c)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST_HEADER.GMP_GATEWAY_API',
      retryable: false,
    });
    expect((error as VendorError).problem.fix).toMatch(/check settings.svcName and settings.channelType/);
    expect(tokenStates(c.connectionId)).toEqual([
      expect.objectContaining({ name: TOKEN_NAME, state: 'failed' }),
    ]);
  });

  it('holds one connection’s operation for its 429, not another connection’s calls', async () => {
    const at = Date.now() + 1500;
    server.use(
      http.put(
        `${vendor.origin}/v3/inventory`,
        () =>
          HttpResponse.json(
            walmartErrorBody(
              'REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API',
              'Too Many Requests',
              undefined,
              'REQUEST',
            ),
            {
              status: 429,
              headers: { 'X-Current-Token-Count': '0', 'X-Next-Replenishment-Time': String(at) },
            },
          ),
        { once: true },
      ),
    );
    vendor.put(walmartOrder('1800000000003'));
    const seller = walmartClient(context());
    const other = walmartClient(context());
    const stock = { json: { sku: 'MUG-1', quantity: { unit: 'EACH', amount: 3 } }, retry: false as const };
    const throttled = await seller.request('PUT', 'v3/inventory?sku=MUG-1', stock).catch((e: unknown) => e);
    expect(throttled).toMatchObject({ status: 429 });
    expect((throttled as VendorError).retryAfterMs).toBeUndefined();
    // Another seller's acknowledgment goes at once…
    const before = Date.now();
    await other.json('POST', 'v3/orders/1800000000003/acknowledge', { idempotent: true });
    expect(Date.now() - before).toBeLessThan(700);
    // …and so does this seller's other operations: only its inventory waits for Walmart's replenishment time.
    await readOrder(seller);
    expect(Date.now() - before).toBeLessThan(700);
    vendor.skus.add('MUG-1');
    await seller.request('PUT', 'v3/inventory?sku=MUG-1', stock);
    expect(Date.now()).toBeGreaterThanOrEqual(at - 20);
  });

  it('waits out a 429 until the replenishment time Walmart gives, then succeeds', async () => {
    const api = walmartClient(context());
    await readOrder(api);
    vendor.throttleNext = 2;
    const answer = await readOrder(api);
    expect(answer.order.purchaseOrderId).toBe('1800000000001');
    expect(vendor.calls.map((c) => c.status)).toEqual([200, 200, 429, 429, 200]);
  });

  it('reads Walmart’s error bodies in each of their shapes, with what to do', () => {
    const entry = {
      code: 'CONTENT_NOT_FOUND.GMP_ORDER_API',
      field: 'purchaseOrderId',
      description: 'No order',
    };
    for (const body of [
      { errors: [entry] },
      { errors: { error: [entry] } },
      { error: [entry] },
      { errors: { error: entry } },
    ]) {
      expect(walmartErrors(JSON.stringify(body))).toEqual([entry]);
    }
    const problem = walmartProblem({
      status: 404,
      headers: new Headers(),
      text: JSON.stringify({ errors: [entry] }),
    });
    expect(problem).toEqual({
      code: 'CONTENT_NOT_FOUND.GMP_ORDER_API',
      message: 'No order; field purchaseOrderId',
      fix: 'Walmart has no such purchaseOrderId: check it in Seller Center',
    });
    expect(walmartErrors('<html>gateway</html>')).toEqual([]);
  });
});

describe('the operation buckets', () => {
  it('hold an operation until the replenishment time Walmart gave with an empty bucket', async () => {
    const key = `bucket-${Math.random()}`;
    await takeToken(key, 'shipping');
    const at = Date.now() + 150;
    observeAnswer(key, 'shipping', {
      status: 200,
      headers: new Headers({ 'X-Current-Token-Count': '0', 'X-Next-Replenishment-Time': String(at) }),
    });
    const before = Date.now();
    await takeToken(key, 'shipping');
    expect(Date.now() - before).toBeGreaterThanOrEqual(140);
  });

  it('are kept per operation: an empty one holds nothing else', async () => {
    const key = `bucket-${Math.random()}`;
    observeAnswer(key, 'token', {
      status: 200,
      headers: new Headers({
        'X-Current-Token-Count': '0',
        'X-Next-Replenishment-Time': String(Date.now() + 60_000),
      }),
    });
    const before = Date.now();
    await takeToken(key, 'orders');
    expect(Date.now() - before).toBeLessThan(50);
  });

  it('take the count Walmart states over the documented one (a raised limit)', async () => {
    const key = `bucket-${Math.random()}`;
    observeAnswer(key, 'shipping', { status: 200, headers: new Headers({ 'X-Current-Token-Count': '500' }) });
    const before = Date.now();
    for (let i = 0; i < 200; i++) await takeToken(key, 'shipping');
    // 200 calls at once, where the documented 60 per minute would have made them wait minutes.
    expect(Date.now() - before).toBeLessThan(1000);
  });
});
