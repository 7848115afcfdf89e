import { fileURLToPath } from 'node:url';
import { type AnyConnector, OrderDraft, parseMoney, prepare } from '@switchyard/core';
import { connectorContract } from '@switchyard/core/testing';
import { describe, expect, it } from 'vitest';
import { httpJson, sign, signedHeaders } from '../src/index.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const now = new Date('2026-11-20T15:05:00Z');
const secrets = { signingSecret: 'whsec-test-0123456789' };

const b2b = {
  id: 'ERP-PO-7781',
  number: 'SO-7781',
  currency: 'EUR',
  placedAt: '2026-11-18T08:00:00+01:00',
  updatedAt: '2026-11-19T09:30:00+01:00',
  status: 'accepted',
  billingAddress: {
    company: 'Kaufhaus Nord GmbH',
    line1: 'Hafenstr. 4',
    city: 'Hamburg',
    postalCode: '20457',
    country: 'de',
  },
  shippingAddress: {
    company: 'Kaufhaus Nord DC 3',
    line1: 'Lagerweg 1',
    city: 'Hamburg',
    postalCode: '21129',
    country: 'DE',
    locationCode: 'DC003',
  },
  lines: [
    {
      id: '10',
      sku: 'KETTLE-1L',
      title: 'Kettle 1 l',
      quantity: 24,
      unitOfMeasure: 'EA',
      unitPrice: '18.40',
      buyerPartNumber: 'KN-55102',
      upc: '4006381333931',
    },
    {
      id: '20',
      sku: 'CUP-SET-4',
      title: 'Cup set of 4',
      quantity: 10,
      unitOfMeasure: 'CA',
      unitPrice: '32.00',
    },
  ],
  purchaseOrder: {
    number: 'KN-4500012345',
    date: '2026-11-18',
    requestedShipDate: '2026-11-25',
    terms: { code: '01', netDays: 30, discountPercent: '2', discountDays: 10, description: '2% 10 Net 30' },
    shipToLocationCode: 'DC003',
  },
  totals: { total: '761.60' },
};

const kwd = {
  id: 9007199254740993n.toString(),
  currency: 'KWD',
  placedAt: '2026-11-20T10:00:00Z',
  lines: [{ sku: 'OUD-50', title: 'Oud 50 ml', quantity: 1, unitPrice: '12.345' }],
  shipping: [{ code: 'express', price: '1.500' }],
};

const jpy = {
  orders: [
    {
      id: 'JP-1',
      currency: 'JPY',
      placedAt: '2026-11-20T10:00:00+09:00',
      lines: [{ sku: 'TEA', title: 'Sencha', quantity: 3, unitPrice: '1200' }],
      taxesIncluded: true,
      shipping: [],
    },
    {
      id: 'JP-2',
      currency: 'JPY',
      placedAt: '2026-11-20T11:00:00+09:00',
      lines: [
        {
          sku: 'BOWL',
          title: 'Bowl',
          quantity: 1,
          unitPrice: 4500,
          taxes: [{ title: '消費税', rate: '0.10', amount: '409' }],
        },
      ],
      taxesIncluded: true,
    },
  ],
};

connectorContract({
  connector: httpJson,
  settings: {},
  secrets,
  now,
  sign: (body, s, at) => {
    const { 'content-type': _ct, ...headers } = signedHeaders(s.signingSecret!, body, at);
    return headers;
  },
  payloads: [
    {
      name: 'the documented example',
      body: { file: here('../examples/order.json') },
      golden: here('golden/example.json'),
    },
    { name: 'a B2B purchase order in EUR', body: JSON.stringify(b2b), golden: here('golden/b2b-eur.json') },
    { name: 'a KWD order with a 2^53+ id', body: JSON.stringify(kwd), golden: here('golden/kwd.json') },
    {
      name: 'a batch of JPY orders, tax included',
      body: JSON.stringify(jpy),
      golden: here('golden/jpy-batch.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"id": "A-1", "lines": [' },
    { name: 'an order without lines', body: JSON.stringify({ ...kwd, lines: [] }) },
    {
      name: 'a price with too many decimals for USD',
      body: JSON.stringify({ ...kwd, currency: 'USD', shipping: [] }),
    },
    {
      name: 'an unsafe numeric id',
      body: '{"id": 9007199254740993, "currency": "USD", "placedAt": "2026-11-20T10:00:00Z", "lines": [{"title": "x", "quantity": 1, "unitPrice": "1.00"}]}',
    },
    { name: 'a JSON array', body: '[]' },
  ],
});

describe('http-json specifics', () => {
  const ctx = {
    tenantId: 't',
    connectionId: 'c',
    settings: httpJson.settings.parse({}),
    secrets,
    now: () => now,
  };
  const request = (body: string, headers: Record<string, string>) => ({
    method: 'POST',
    path: '/',
    headers,
    body: new Uint8Array(Buffer.from(body)),
    contentType: 'application/json',
    receivedAt: now,
  });

  it('signs as documented: sha256= hex HMAC of "<timestamp>.<body>"', () => {
    // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac secret-123
    expect(sign('secret-123', 1700000000, '{}')).toBe(
      'sha256=a244b8e1d8472f23e33430bedff20f4bdee0c065edc2a997210b5beadc5e9f4a',
    );
  });

  it('rejects a timestamp outside the 5-minute window, either way', () => {
    const body = JSON.stringify(kwd);
    for (const offset of [-301, 301]) {
      const at = new Date(now.getTime() + offset * 1000);
      const verdict = httpJson.webhook!.verify(
        request(body, signedHeaders(secrets.signingSecret, body, at)),
        ctx,
      );
      expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('tolerance 300 s') });
    }
    const inside = new Date(now.getTime() - 299 * 1000);
    expect(
      httpJson.webhook!.verify(request(body, signedHeaders(secrets.signingSecret, body, inside)), ctx),
    ).toEqual({ ok: true });
  });

  it('accepts the previous secret during a rotation', () => {
    const body = JSON.stringify(kwd);
    const rotated = {
      ...ctx,
      secrets: { signingSecret: 'the-new-secret-000', previousSigningSecret: secrets.signingSecret },
    };
    expect(
      httpJson.webhook!.verify(request(body, signedHeaders(secrets.signingSecret, body, now)), rotated),
    ).toEqual({ ok: true });
  });

  it('dedupes on Idempotency-Key bound to the body, else on id and updated time, else on nothing', () => {
    const body = JSON.stringify(b2b);
    const withKey = httpJson.webhook!.dedupeKey(request(body, { 'idempotency-key': 'abc-1' }), ctx);
    expect(withKey).toMatch(/^key:abc-1#[0-9a-f]{64}$/);
    expect(httpJson.webhook!.dedupeKey(request(body, { 'idempotency-key': 'abc-1' }), ctx)).toBe(withKey);
    // The key is not signed: the same key on another body is another delivery, not a duplicate.
    const other = JSON.stringify({ ...b2b, note: 'changed' });
    expect(httpJson.webhook!.dedupeKey(request(other, { 'idempotency-key': 'abc-1' }), ctx)).not.toBe(
      withKey,
    );
    expect(httpJson.webhook!.dedupeKey(request(body, {}), ctx)).toBe(
      'order:ERP-PO-7781@2026-11-19T09:30:00+01:00',
    );
    // Without updatedAt, two states of one order must not share a key: the hub hashes the body.
    const { updatedAt: _u, ...noUpdatedAt } = b2b;
    expect(httpJson.webhook!.dedupeKey(request(JSON.stringify(noUpdatedAt), {}), ctx)).toBeUndefined();
    expect(httpJson.webhook!.dedupeKey(request('{"oops', {}), ctx)).toBeUndefined();
  });

  it('gives distinct deliveries distinct keys, even where their ids parse or print alike', () => {
    const connection = {
      id: 'c',
      tenantId: 't',
      connector: httpJson as unknown as AnyConnector,
      settings: ctx.settings,
      secrets,
    };
    const rest =
      '"currency":"USD","placedAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z","lines":[{"title":"Mug","quantity":1,"unitPrice":"5.00"}]';
    const body = (id: string | Uint8Array) =>
      typeof id === 'string'
        ? Buffer.from(`{"id":${id},${rest}}`)
        : Buffer.concat([Buffer.from('{"id":"'), id, Buffer.from(`",${rest}}`)]);
    const keyOf = (bytes: Buffer) =>
      prepare(connection, { ...request('', {}), body: new Uint8Array(bytes) }, () => now).entry.dedupeKey;
    const pairs: [Buffer, Buffer][] = [
      // invalid UTF-8 that a lenient decoder turns into the same U+FFFD
      [body(new Uint8Array([0x41, 0xff])), body(new Uint8Array([0x41, 0xfe]))],
      // lone surrogates, which UTF-8 (and PostgreSQL) would store as the same U+FFFD
      [body('"A\\ud800"'), body('"A\\ud801"')],
      // both Infinity as a number
      [body('1e309'), body('9'.repeat(309))],
      // -0 prints as 0
      [body('-0'), body('0')],
      // both 2^53 as a number
      [body('9007199254740993'), body('9007199254740992')],
      // an id holding "@": the split at the time stays one way
      [body('"a@2026-11-20T10:00:00Z"'), body('"a"')],
    ];
    for (const [a, b] of pairs) expect(keyOf(a), `${a} vs ${b}`).not.toBe(keyOf(b));
    // ...and none of these names an order: what cannot be keyed exactly cannot be imported as one either.
    for (const bad of [pairs[0]![0], pairs[1]![0], pairs[2]![0], pairs[3]![0], pairs[4]![0]]) {
      expect(() => httpJson.normalize({ ...request('', {}), body: new Uint8Array(bad) }, ctx)).toThrow(
        /not valid UTF-8|lone UTF-16 surrogate|not exact|must not be -0/,
      );
    }
  });

  it('refuses a negative price or a quantity that is not a whole number of at least 1, naming the field', () => {
    const order = (line: Record<string, unknown>) =>
      JSON.stringify({
        ...kwd,
        totals: undefined,
        lines: [{ title: 'Mug', unitPrice: '5.000', quantity: 1, ...line }],
      });
    expect(() => httpJson.normalize(request(order({ quantity: 0 }), {}), ctx)).toThrow(
      'lines.0.quantity: must be a whole number of at least 1',
    );
    expect(() => httpJson.normalize(request(order({ quantity: 1.5 }), {}), ctx)).toThrow(
      'lines.0.quantity: must be a whole number of at least 1',
    );
    // The price is read here and refused by the canonical schema, the one place the rule lives.
    const [negative] = httpJson.normalize(request(order({ unitPrice: '-500.000' }), {}), ctx).orders;
    expect(OrderDraft.safeParse(negative).error?.issues).toEqual([
      expect.objectContaining({
        path: ['lines', 0, 'unitPrice', 'amount'],
        message: 'must be zero or more, not negative',
      }),
      expect.objectContaining({
        path: ['totals', 'items', 'amount'],
        message: 'must be zero or more, not negative',
      }),
      expect.objectContaining({
        path: ['totals', 'total', 'amount'],
        message: 'must be zero or more, not negative',
      }),
    ]);
  });

  it('keeps a 2^53+ id exact and KWD amounts in fils', () => {
    const [order] = httpJson.normalize(request(JSON.stringify(kwd), {}), ctx).orders;
    expect(order!.externalId).toBe('9007199254740993');
    expect(order!.totals.total).toEqual(parseMoney('13.845', 'KWD'));
    expect(order!.totals.total.amount).toBe(13845);
  });

  it('keeps stated totals so a sender whose lines do not add up is caught', () => {
    const wrong = { ...kwd, totals: { total: '99.000' } };
    const [order] = httpJson.normalize(request(JSON.stringify(wrong), {}), ctx).orders;
    expect(order!.totals.total.amount).toBe(99000);
  });

  it('names the field that is wrong', () => {
    const bad = { ...b2b, placedAt: 'yesterday' };
    expect(() => httpJson.normalize(request(JSON.stringify(bad), {}), ctx)).toThrow(
      /placedAt: must be an ISO 8601 timestamp/,
    );
  });
});
