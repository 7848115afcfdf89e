import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPermanent } from '../errors.ts';
import { createVendorClient } from './client.ts';
import { describeRequest, scrub, type VendorError } from './vendor-error.ts';

const API = 'https://shop.test/wp-json/wc/v3';
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

const TOKEN = 'sk_live_0123456789abcdef';
const KEY = 'ck_aaaaaaaaaaaaaaaa';
const SECRET = 'cs_bbbbbbbbbbbbbbbb';

describe('vendor client credentials', () => {
  it('sends what auth gives, and keeps it out of the error, its problem and the log even when echoed', async () => {
    let seen: { authorization: string | null; query: string } | undefined;
    server.use(
      http.get(`${API}/orders`, ({ request }) => {
        seen = { authorization: request.headers.get('authorization'), query: new URL(request.url).search };
        // A vendor that echoes what it refused.
        return HttpResponse.json(
          { message: `token ${TOKEN} with key ${KEY} and secret ${SECRET} is not valid` },
          { status: 401 },
        );
      }),
    );
    const lines: unknown[] = [];
    const client = createVendorClient({
      vendor: 'WooCommerce',
      baseUrl: API,
      auth: ({ url }) => {
        url.searchParams.set('consumer_key', KEY);
        url.searchParams.set('consumer_secret', SECRET);
        return { authorization: `Bearer ${TOKEN}` };
      },
      log: (message, fields) => lines.push({ message, fields }),
    });
    const error = await failure(client.json('GET', '/orders', { query: { per_page: 100 } }));
    expect(seen).toEqual({
      authorization: `Bearer ${TOKEN}`,
      query: `?per_page=100&consumer_key=${KEY}&consumer_secret=${SECRET}`,
    });
    expect(error.request).toBe(
      'GET /wp-json/wc/v3/orders?per_page=100&consumer_key=[redacted]&consumer_secret=[redacted]',
    );
    expect(error.message).toContain('token [redacted] with key [redacted] and secret [redacted]');
    expect(error.message).toContain("check the connection's credentials");
    expect(isPermanent(error)).toBe(true);
    const everything = JSON.stringify([error.message, error.stack, error.problem, error.request, lines]);
    for (const secret of [TOKEN, KEY, SECRET]) expect(everything).not.toContain(secret);
    expect(lines).toHaveLength(1);
  });

  it('hides Basic credentials whole and in parts, and named query parameters', () => {
    const basic = `Basic ${Buffer.from('merchant:hunter2hunter2').toString('base64')}`;
    expect(scrub(`sent ${basic}; user merchant:hunter2hunter2; pw hunter2hunter2`, [basic])).toBe(
      'sent [redacted]; user [redacted]; pw [redacted]',
    );
    expect(
      describeRequest('get', new URL('https://x.test/a?page=2&shop_pin=1234&api_key=z'), ['shop_pin']),
    ).toBe('GET /a?page=2&shop_pin=[redacted]&api_key=[redacted]');
  });

  it('never sends credentials to another origin (a signed download link)', async () => {
    let authorization: string | null = 'unset';
    server.use(
      http.get('https://storage.test/export.jsonl', ({ request }) => {
        authorization = request.headers.get('authorization');
        return new HttpResponse('{"id":1}\n');
      }),
    );
    const client = createVendorClient({
      vendor: 'Shopify',
      baseUrl: 'https://shop.test/admin/api/2026-01',
      auth: () => ({ authorization: `Bearer ${TOKEN}` }),
    });
    const answer = await client.request('GET', 'https://storage.test/export.jsonl');
    expect(answer.text).toBe('{"id":1}\n');
    expect(authorization).toBeNull();
  });
});
