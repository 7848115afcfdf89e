import { isReconnectNeeded, VendorError } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { quickbooksProblem } from '../src/errors.ts';
import { MINOR_VERSION, QUICKBOOKS_LIMITS, quickbooksApi, REQUEST_TIMEOUT_MS } from '../src/index.ts';
import { enterGate, realmBudget } from '../src/throttle.ts';
import { fakeQuickBooks } from './fakes/index.ts';
import { connectionTo, newRealmId } from './harness.ts';

const fake = fakeQuickBooks({ latencyMs: 0 });
const server = setupServer(...fake.handlers);
const seen: { url: URL; headers: Headers }[] = [];
beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  server.events.on('request:start', ({ request }) => {
    seen.push({ url: new URL(request.url), headers: request.headers });
  });
});
afterAll(() => server.close());
beforeEach(() => {
  fake.throttleNext = 0;
  fake.latencyMs = 0;
});

const select = "select * from Customer where DisplayName = 'Nobody'";

describe('every accounting call', () => {
  it('carries the bearer token, Accept: application/json and minorversion=75, under the realm', async () => {
    const realm = newRealmId();
    const connection = connectionTo(fake, realm);
    const api = quickbooksApi(connection);
    seen.length = 0;
    await api.query(select);
    await api.read('Invoice', '999');
    await api.changes(['Invoice'], new Date(Date.now() - 3_600_000));
    expect(seen).toHaveLength(3);
    for (const { url, headers } of seen) {
      expect(url.pathname.startsWith(`/v3/company/${realm}/`)).toBe(true);
      expect(url.searchParams.get('minorversion')).toBe('75');
      expect(headers.get('authorization')).toBe(`Bearer ${connection.grant.state.accessToken}`);
      expect(headers.get('accept')).toBe('application/json');
    }
    expect(MINOR_VERSION).toBe(75);
    expect(REQUEST_TIMEOUT_MS).toBe(120_000);
  });

  it('is refused by the fake below minor version 75, as Intuit refuses retired versions', async () => {
    const realm = newRealmId();
    const { accessToken } = fake.issueTokens(realm);
    const answer = await fetch(
      `${fake.apiOrigin}/v3/company/${realm}/query?query=select%20*%20from%20Invoice&minorversion=74`,
      {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      },
    );
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ Fault: { Error: [{ Message: 'Invalid minor version' }] } });
  });

  it('needs an authorized connection: without one it says to authorize it', async () => {
    const api = quickbooksApi({ ...connectionTo(fake, newRealmId()), authorization: undefined });
    const error = await api.query(select).catch((e: unknown) => e);
    expect(isReconnectNeeded(error)).toBe(true);
    expect((error as Error).message).toMatch(/needs to be authorized again .*no QuickBooks authorization/);
  });
});

describe('a refused token (401)', () => {
  it('is invalidated, refreshed through the grant, and the call made once more', async () => {
    const realm = newRealmId();
    const connection = connectionTo(fake, realm);
    const before = connection.grant.state.accessToken;
    fake.expireAccessTokens(realm);
    await quickbooksApi(connection).query(select);
    expect(connection.grant.state.invalidated).toEqual([before]);
    expect(connection.grant.state.refreshes).toBe(1);
    expect(connection.grant.state.accessToken).not.toBe(before);
    const statuses = fake.calls.filter((c) => c.realm === realm).map((c) => c.status);
    expect(statuses).toEqual([401, 200]);
  });

  it('ends in invalid_grant when the merchant disconnected the app: a VendorError with that code', async () => {
    const realm = newRealmId();
    const connection = connectionTo(fake, realm);
    fake.revokeGrants(realm);
    const error = await quickbooksApi(connection)
      .query(select)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ code: 'invalid_grant', status: 400, permanent: true });
    expect((error as Error).message).toMatch(/authorize the connection again/);
    expect((error as Error).message).not.toContain(connection.grant.state.refreshToken);
  });
});

describe('throttling', () => {
  it('waits 60 s after a 429, then asks again', async () => {
    const realm = newRealmId();
    const waits: number[] = [];
    const api = quickbooksApi(connectionTo(fake, realm), { sleep: async (ms) => void waits.push(ms) });
    fake.throttleNext = 1;
    await api.query(select);
    expect(waits.length).toBeGreaterThan(0);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(59_000);
    expect(fake.calls.filter((c) => c.realm === realm).map((c) => c.status)).toEqual([429, 200]);
  });

  it('gives up after three waits, saying what to do', async () => {
    const realm = newRealmId();
    const api = quickbooksApi(connectionTo(fake, realm), { sleep: async () => {} });
    fake.throttleNext = 10;
    const error = await api.query(select).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, code: '3001', retryable: true, retryAfterMs: 60_000 });
    expect((error as Error).message).toMatch(/500 requests a minute, 10 a second and 10 at once/);
    expect(fake.calls.filter((c) => c.realm === realm)).toHaveLength(4);
  });

  it('stops waiting when the step is cancelled', async () => {
    const realm = newRealmId();
    const controller = new AbortController();
    const api = quickbooksApi(connectionTo(fake, realm), {
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          controller.abort(new Error('workflow cancelled'));
        }),
    });
    fake.throttleNext = 1;
    await expect(api.query(select, controller.signal)).rejects.toThrow('workflow cancelled');
  });

  it('keeps at most 10 calls of a company in flight, so the fake never refuses them', async () => {
    const realm = newRealmId();
    fake.latencyMs = 20;
    const api = quickbooksApi(connectionTo(fake, realm), { limits: { perMinute: 60_000, burst: 100 } });
    await Promise.all(Array.from({ length: 30 }, () => api.query(select)));
    expect(fake.stats().maxInFlight[realm]).toBe(QUICKBOOKS_LIMITS.concurrent);
    expect(fake.calls.filter((c) => c.realm === realm && c.status === 429)).toEqual([]);
  });

  it('paces each company so that no minute holds more than 500 calls, 10 back to back', () => {
    const budget = realmBudget('k', { ...QUICKBOOKS_LIMITS });
    expect(budget).toEqual({ key: 'k', perSecond: 490 / 60, burst: 10 });
    // The first minute: the burst, then a call every 1/perSecond seconds.
    expect((budget.burst ?? 1) + Math.floor(60 * budget.perSecond)).toBeLessThanOrEqual(500);
  });

  it('lets a waiting call leave the gate when cancelled, and passes a freed place in order', async () => {
    const key = `gate-${Math.random()}`;
    const first = await enterGate(key, 1);
    const controller = new AbortController();
    const cancelled = enterGate(key, 1, controller.signal);
    const order: string[] = [];
    const second = enterGate(key, 1).then((release) => {
      order.push('second');
      return release;
    });
    controller.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    first();
    (await second)();
    expect(order).toEqual(['second']);
  });
});

describe('Faults', () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers(headers),
    text: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it.each([
    ['6240', 'Duplicate Name Exists Error', /unique across customers, vendors and employees/],
    ['6000', 'A business validation error has occurred', /accounting mapping/],
    ['5010', 'Stale Object Error', /SyncToken/],
  ])('%s reads as QuickBooks words and what to do', (code, message, fix) => {
    const problem = quickbooksProblem(
      answer(400, {
        Fault: {
          Error: [{ Message: message, Detail: `${message} : detail`, code, element: '' }],
          type: 'ValidationFault',
        },
      }),
    );
    expect(problem).toMatchObject({ code, message: `${message}: ${message} : detail`, retryable: false });
    expect(problem?.fix).toMatch(fix);
  });

  it('reads the gateway’s lower-case 401 and a Fault inside a 200', () => {
    expect(
      quickbooksProblem(
        answer(401, {
          fault: {
            error: [{ message: 'AuthenticationFailed', detail: 'Token expired', code: '3200' }],
            type: 'AUTHENTICATION',
          },
        }),
      ),
    ).toMatchObject({ code: '3200', message: 'AuthenticationFailed: Token expired' });
    expect(
      quickbooksProblem(answer(200, { Fault: { Error: [{ Message: 'x', code: '2010' }] } })),
    ).toMatchObject({
      code: '2010',
      retryable: false,
    });
    expect(quickbooksProblem(answer(200, { Invoice: { Id: '1' } }))).toBeUndefined();
  });

  it('honours a Retry-After QuickBooks sends with a 429, else waits 60 s', () => {
    expect(quickbooksProblem(answer(429, 'Too Many Requests', { 'retry-after': '7' }))).toMatchObject({
      retryAfterMs: 7000,
      retryable: true,
    });
    expect(quickbooksProblem(answer(429, ''))).toMatchObject({ retryAfterMs: 60_000 });
  });
});
