import type { PullPage } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCLUDED_DATA, orderKey, pullOrders } from '../src/pull.ts';
import { type Secrets, Settings } from '../src/settings.ts';
import { webhook } from '../src/webhook.ts';
import { CREDENTIALS, fakeAmazon, sampleOrder } from './fakes/index.ts';

/** searchOrders: the window, the datasets, the token with every other parameter repeated, resume, backfill. */
const vendor = fakeAmazon();
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const now = new Date('2026-12-01T12:00:00Z');
const settings = Settings.parse({
  sellerId: 'A3SELLERFAKE01',
  marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'],
  pageSize: 3,
});
let n = 0;
const context = (s: Settings = settings) => ({
  tenantId: 'acme',
  connectionId: `pull-${++n}`,
  settings: s,
  secrets: CREDENTIALS as Secrets,
  now: () => now,
});
const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
async function pages(request: Parameters<typeof pullOrders>[1], c = context()) {
  const out: PullPage[] = [];
  for await (const page of pullOrders(c, request)) out.push(page);
  return out;
}
// Dated by the test's clock, days before the real one (which the fake checks lastUpdatedBefore against).
vendor.api.orders = new Map(
  [
    sampleOrder('113-9000001-0000001', at(60 * 24 * 40)),
    ...Array.from({ length: 7 }, (_, i) => sampleOrder(`113-9000${i + 2}02-0000000`, at(90 - i))),
    sampleOrder('113-9000009-0000009', at(1)),
  ].map((o) => [o.orderId, o]),
);
const searches = () => vendor.api.calls.filter((c) => c.operation === 'searchOrders').length;

describe('the searchOrders pull', () => {
  it('reads the window since the watermark up to two minutes ago, every dataset included, token by token', async () => {
    const from = new Date(now.getTime() - 120 * 60_000);
    const before = searches();
    const got = await pages({ since: from, signal: new AbortController().signal });
    expect(got.map((p) => p.records.length)).toEqual([3, 3, 1]);
    expect(searches() - before).toBe(3);
    expect(got.slice(0, -1).every((p) => typeof p.cursor === 'string' && p.watermark === undefined)).toBe(
      true,
    );
    // The last page's watermark is the window's end: the order updated a minute ago is for the next sync.
    expect(got.at(-1)).toMatchObject({
      cursor: null,
      watermark: new Date(now.getTime() - 130_000).toISOString(),
    });
    const keys = got.flatMap((p) => p.records.map((r) => r.dedupeKey));
    expect(keys).not.toContain(orderKey({ orderId: '113-9000009-0000009', lastUpdatedTime: at(1) }));
    expect(keys[0]).toBe(orderKey({ orderId: '113-9000202-0000000', lastUpdatedTime: at(90) }));
    const first = JSON.parse(Buffer.from(got[0]!.records[0]!.body).toString()) as Record<string, unknown>;
    for (const dataset of ['buyer', 'recipient', 'proceeds', 'fulfillment'])
      expect(first).toHaveProperty(dataset);
    expect(INCLUDED_DATA).toEqual(
      expect.arrayContaining(['BUYER', 'RECIPIENT', 'PROCEEDS', 'FULFILLMENT', 'PACKAGES']),
    );
  });

  it('gives a record the key its getOrder fetch for a notification gives, so the order is stored once', async () => {
    const got = await pages({
      since: new Date(now.getTime() - 120 * 60_000),
      signal: new AbortController().signal,
    });
    const record = got[0]!.records[0]!;
    const fetched = await webhook.hydrate!.fetch(
      context(),
      { type: 'order', id: '113-9000202-0000000' },
      new AbortController().signal,
    );
    expect(fetched!.dedupeKey).toBe(record.dedupeKey);
  });

  it('resumes an interrupted pull from its cursor: the same window, the next page', async () => {
    const from = new Date(now.getTime() - 120 * 60_000);
    const all = await pages({ since: from, signal: new AbortController().signal });
    const resumed = await pages({ cursor: all[0]!.cursor!, signal: new AbortController().signal });
    expect(resumed.flatMap((p) => p.records.map((r) => r.dedupeKey))).toEqual(
      all.slice(1).flatMap((p) => p.records.map((r) => r.dedupeKey)),
    );
    await expect(pages({ cursor: 'page=2', signal: new AbortController().signal })).rejects.toThrow(
      /--restart/,
    );
  });

  it('backfills from --since, or two years back without it', async () => {
    const backfill = await pages({
      since: new Date(now.getTime() - 50 * 86_400_000),
      backfill: true,
      signal: new AbortController().signal,
    });
    expect(backfill.flatMap((p) => p.records)).toHaveLength(8);
    const history = await pages({ backfill: true, signal: new AbortController().signal });
    expect(history.flatMap((p) => p.records)).toHaveLength(8);
    // A first sync without a watermark reads settings.firstSyncDays (30) back: not the order of 40 days ago.
    expect((await pages({ signal: new AbortController().signal })).flatMap((p) => p.records)).toHaveLength(7);
  });

  it('asks for nothing when the last sync ended less than two minutes ago', async () => {
    const before = searches();
    const got = await pages({
      since: new Date(now.getTime() - 60_000),
      signal: new AbortController().signal,
    });
    expect(got).toEqual([expect.objectContaining({ records: [], cursor: null })]);
    expect(searches()).toBe(before);
  });
});
