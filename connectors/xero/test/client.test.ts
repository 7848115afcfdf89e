import { isPermanent, ReconnectNeededError, VendorError } from '@switchyard/core';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isoDate, xeroDate } from '../src/amounts.ts';
import { xeroAccounting } from '../src/client.ts';
import { forgetContacts } from '../src/contacts.ts';
import { invoice, sale } from './documents.ts';
import type { FakeXero } from './fakes/index.ts';
import type { FakeXeroOptions } from './fakes/state.ts';
import { actionContext, freshFake, grantOn, post } from './support.ts';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

let fake: FakeXero;
let access: ReturnType<typeof grantOn>;
const start = (options: FakeXeroOptions = {}) => {
  fake = freshFake(options);
  server.resetHandlers(...fake.handlers);
  access = grantOn(fake);
};
beforeEach(() => {
  start();
  forgetContacts();
});
const failure = (call: Promise<unknown>) =>
  call.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e as VendorError,
  );
/** One read through the connector's client (a GET /Invoices page). */
const read = (signal = new AbortController().signal) =>
  xeroAccounting(actionContext(fake, access), signal).call('invoices page', (api, tenant) =>
    api.getInvoices(tenant, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 1),
  );

describe('Xero`s answers, read rightly', () => {
  it('turns a 200 holding a refused element into a clear, permanent error', async () => {
    await post(actionContext(fake, access), invoice('sale:ord_1'));
    // Another posting under another key with the same invoice number: Xero keeps ACCREC numbers unique.
    const error = await failure(
      post(actionContext(fake, access), invoice('sale:ord_1b', { number: 'SH-1' })),
    );
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ status: 200, code: 'ValidationException', permanent: true });
    expect(error.message).toBe(
      "Xero invoice creation failed: HTTP 200 (ValidationException): Xero refused it: Invoice # must be unique. — correct what Xero refused (the books mapping's account code, tax type or item code, or the document itself), then replay the posting",
    );
  });

  it('surfaces the messages of a 400 ValidationException', async () => {
    server.use(
      http.put(`${fake.apiOrigin}/api.xro/2.0/Invoices`, () =>
        HttpResponse.json(
          {
            ErrorNumber: 10,
            Type: 'ValidationException',
            Message: 'A validation exception occurred',
            Elements: [
              {
                ValidationErrors: [{ Message: "Account code '4000' is not a valid code for this document." }],
              },
            ],
          },
          { status: 400 },
        ),
      ),
    );
    const error = await failure(post(actionContext(fake, access), invoice('sale:ord_2')));
    expect(error).toMatchObject({ status: 400, code: 'ValidationException', permanent: true });
    expect(error.message).toMatch(
      /HTTP 400 \(ValidationException\): Account code '4000' is not a valid code/,
    );
  });

  it('reads Xero`s dates: "/Date(ms+0000)/", Dates from xero-node, and zone-less UTC', () => {
    expect(isoDate('/Date(1552348800000+0000)/')).toBe('2019-03-12T00:00:00.000Z');
    expect(isoDate('/Date(1551399321121)/')).toBe('2019-03-01T00:15:21.121Z');
    expect(isoDate('2024-06-21T01:15:39.902')).toBe('2024-06-21T01:15:39.902Z');
    expect(isoDate(new Date('2026-12-04T00:00:00Z'))).toBe('2026-12-04T00:00:00.000Z');
    expect(xeroDate('not a date')).toBeUndefined();
  });
});

describe('the grant', () => {
  it('on a 401 tells the hub the token was refused, refreshes once and calls again', async () => {
    await read();
    fake.expireAccessTokens();
    const before = access.held.refresh;
    await expect(read()).resolves.toMatchObject({ invoices: [] });
    expect(access.held.refreshes).toBe(1);
    expect(access.held.refresh).not.toBe(before);
    expect(fake.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('says the connection must be authorized again when Xero refuses the refresh token', async () => {
    fake.revokeGrants();
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconnectNeededError);
    expect(fake.stats().refusedRefreshes).toBe(1);
  });
});

describe('the organisation`s limits', () => {
  it('waits the Retry-After of a 429 for the minute limit, then succeeds', async () => {
    fake.throttleNext(1, 'minute', 1);
    const began = Date.now();
    await expect(read()).resolves.toMatchObject({ invoices: [] });
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
    expect(fake.stats().throttled).toBe(1);
  });

  it('stops waiting a Retry-After when the call is aborted', async () => {
    fake.throttleNext(1, 'minute', 30);
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('workflow cancelled')), 50);
    const began = Date.now();
    await expect(read(stop.signal)).rejects.toThrow('workflow cancelled');
    expect(Date.now() - began).toBeLessThan(5000);
  });

  it('turns the daily limit into a clear error saying when it resets, and calls no more until then', async () => {
    fake.throttleNext(1, 'day', 7200);
    const error = await failure(read());
    expect(error).toMatchObject({ status: 429, code: 'day_limit', permanent: true });
    expect(error.message).toMatch(
      /the daily limit of 5,000 calls for organisation .* is spent; it resets in (2 h 0 min|1 h 59 min)/,
    );
    expect(error.retryAfterMs).toBeGreaterThan(7_000_000);
    const calls = fake.requests.length;
    const again = await failure(post(actionContext(fake, access), sale('sale:ord_9')));
    expect(again.code).toBe('day_limit');
    expect(fake.requests.length).toBe(calls);
  });

  it('keeps at most 5 calls in progress per organisation', async () => {
    start({ latencyMs: 60 });
    await Promise.all(Array.from({ length: 8 }, () => read()));
    expect(fake.stats()).toMatchObject({ maxInFlight: 5, throttled: 0 });
  });

  it('holds the organisation when X-MinLimit-Remaining says the minute is spent', async () => {
    start({ limits: { perMinute: 2, minuteMs: 500 } });
    await read();
    await read();
    expect(fake.requests.at(-1)).toMatchObject({ status: 200 });
    const began = Date.now();
    await read();
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect(fake.stats().throttled).toBe(0);
  });

  it('gives up a minute limit`s wait beyond two minutes at once', async () => {
    fake.throttleNext(1, 'minute', 600);
    const error = await failure(read());
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_minute' });
    expect(isPermanent(error)).toBe(false);
  });
});
