import {
  type AnyConnector,
  type ConnectionContext,
  connectionContext,
  type PulledRecord,
} from '@switchyard/core';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ebay } from '../src/index.ts';
import { advance } from '../src/order-window.ts';
import { fetchOrder, pullOrders } from '../src/pull.ts';
import type { Secrets, Settings } from '../src/settings.ts';
import { ebayOrder, fakeEbay } from './fakes/index.ts';
import { apiOrigin, secrets } from './keys.ts';

/** The getOrders pull: its window, its paging while orders change, its watermark, and getOrder. */
const connector = ebay as unknown as AnyConnector;
const vendor = fakeEbay({ apiOrigin, ...secrets, fulfillmentPerDay: 86_400_000 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  server.resetHandlers();
  vendor.state.beforeOrdersPage = undefined;
  vendor.state.listedBy = 'creation';
});

let n = 0;
const context = (settings: Record<string, unknown> = {}, now?: () => Date) =>
  connectionContext(
    {
      id: `pull-${++n}`,
      tenantId: 'acme',
      connector,
      settings: connector.settings.parse({ apiOrigin, pageSize: 5, ...settings }),
      secrets: connector.secrets.parse(secrets),
    },
    now,
  ) as ConnectionContext<Settings, Secrets>;

const MINUTE = 60_000;
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * MINUTE).toISOString();
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
const idOf = (r: PulledRecord) => (JSON.parse(Buffer.from(r.body).toString()) as { orderId: string }).orderId;

async function pullAll(
  c: ConnectionContext<Settings, Secrets>,
  onPage?: (records: PulledRecord[]) => void,
  since?: Date,
) {
  const records: PulledRecord[] = [];
  const pages: {
    cursor: string | null;
    watermark?: string;
    remaining?: number;
    status?: string;
    n: number;
  }[] = [];
  for await (const page of pullOrders(c, {
    signal: new AbortController().signal,
    ...(since ? { since } : {}),
  })) {
    records.push(...page.records);
    pages.push({ ...page, n: page.records.length });
    onPage?.(page.records);
  }
  return { records, pages };
}

/** The getOrders filters a pull asks, in order. */
async function filtersOf(run: () => Promise<unknown>) {
  const filters: string[] = [];
  const listener = ({ request }: { request: Request }) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/order')) filters.push(url.searchParams.get('filter') ?? '');
  };
  server.events.on('request:start', listener);
  try {
    await run();
  } finally {
    server.events.removeListener('request:start', listener);
  }
  return filters;
}

describe('the window', () => {
  it('ends 2 minutes before now (eBay refuses an end in its future), then reads the last minutes open-ended', async () => {
    hold(
      ...Array.from({ length: 12 }, (_, i) => order(`31-00000-${String(i).padStart(5, '0')}`, at(60 - i))),
      order('31-00000-99999', at(1)),
    );
    const now = new Date();
    const until = new Date(now.getTime() - 2 * MINUTE).toISOString();
    const since = new Date(now.getTime() - 60 * MINUTE);
    let pulled!: Awaited<ReturnType<typeof pullAll>>;
    const filters = await filtersOf(async () => {
      pulled = await pullAll(
        context({}, () => now),
        undefined,
        since,
      );
    });
    const from = new Date(since.getTime() - 15 * MINUTE).toISOString();
    // From the watermark less 15 minutes, to now less 2: three pages; then the tail, with no end date.
    expect(filters).toEqual([
      ...Array(3).fill(`lastmodifieddate:[${from}..${until}]`),
      `lastmodifieddate:[${until}..]`,
    ]);
    expect(pulled.pages.map((p) => p.n)).toEqual([5, 5, 2, 1]);
    expect(pulled.records.map(idOf)).toContain('31-00000-99999');
    // The watermark is the window's end: the tail is read again by the next pull, in its overlap.
    expect(pulled.pages.every((p) => p.watermark === until)).toBe(true);
    expect(pulled.pages.map((p) => p.cursor === null)).toEqual([false, false, false, true]);
  });

  it('asks for at most two years, and says so when a backfill reaches further', async () => {
    hold(order('33-00000-00001', at(5)));
    const { pages } = await pullAll(context(), undefined, new Date('2020-01-01T00:00:00Z'));
    expect(pages[0]!.status).toMatch(/up to two years old/);
    const urls: string[] = [];
    const listener = ({ request }: { request: Request }) => {
      if (new URL(request.url).pathname.endsWith('/order')) urls.push(request.url);
    };
    server.events.on('request:start', listener);
    try {
      await pullAll(context(), undefined, new Date(Date.now() - 86_400_000));
    } finally {
      server.events.removeListener('request:start', listener);
    }
    // The brackets of the filter are percent-encoded, as eBay requires.
    expect(urls[0]).toMatch(/filter=lastmodifieddate%3A%5B\d{4}-.*Z\.\.\d{4}-.*Z%5D/);
    expect(new URL(urls[0]!).searchParams.get('limit')).toBe('5');
  });

  it('refuses a cursor that is not its own, saying how to start afresh', async () => {
    const pages = pullOrders(context(), {
      signal: new AbortController().signal,
      cursor: '{"after":null,"page":2}',
    });
    await expect(pages.next()).rejects.toThrow(/--restart/);
  });
});

describe('orders modified while the pull runs', () => {
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
    expect([...new Set(records.map(idOf))].sort()).toEqual(orders.map((o) => o.orderId).sort());
  });

  for (const listedBy of ['creation', 'modification'] as const) {
    it(`sees every order of a busy seller at least once, in a bounded number of pages (listed by ${listedBy})`, async () => {
      const total = 100;
      const pageSize = 10;
      const orders = Array.from({ length: total }, (_, i) =>
        order(`34-00000-${String(i).padStart(5, '0')}`, at(70 - i * 0.5), at(900 - i)),
      );
      hold(...orders);
      vendor.state.listedBy = listedBy;
      const seen = new Set<string>();
      const inWindow = (o: (typeof orders)[number]) =>
        Date.parse(o.lastModifiedDate) < Date.now() - 2 * MINUTE;
      let windowPages = 0;
      let tailPages = 0;
      let departed = 0;
      // Before every page of the window two of its orders change, so they leave it: one the pull has read (the
      // unread ones behind it move forward) and one it has not.
      vendor.state.beforeOrdersPage = (_offset, filter) => {
        if (filter.endsWith('..]')) {
          tailPages++;
          return;
        }
        windowPages++;
        for (const read of [true, false]) {
          const candidates = orders.filter((o) => inWindow(o) && seen.has(o.orderId) === read);
          const o = candidates[(windowPages * 7) % Math.max(1, candidates.length)];
          if (!o) continue;
          o.lastModifiedDate = new Date().toISOString();
          departed++;
        }
      };
      const { records } = await pullAll(
        context({ pageSize }),
        (page) => {
          for (const r of page) seen.add(idOf(r));
        },
        new Date(Date.now() - 3_600_000),
      );
      expect(departed).toBeGreaterThan(total / 5);
      // Every order: those never modified from the window, those modified from the window or the tail.
      expect(new Set(records.map(idOf)).size).toBe(total);
      // Each page reads 10 from `offset − margin`, the margin being the 2 departures a page sees: 8 new a page, so
      // the window takes at most ⌈100 / 8⌉ pages and a step back when departures first outrun the margin. (The
      // old rule, back by the departures from the page just read, went 2 back a page while the seller was busy.)
      expect(windowPages).toBeLessThanOrEqual(Math.ceil(total / (pageSize - 2)) + 2);
      expect(tailPages).toBeLessThanOrEqual(Math.ceil(departed / pageSize) + 1);
    });
  }

  it('moves by the departures eBay’s total reveals: ahead when the margin covers them, back when not', () => {
    const cursor = { from: 'a', until: 'b', offset: 10, total: 40, margin: 2 };
    // Read from 8; 2 left: every unread order is at 8 or later, so all up to 8 + 5 is read.
    expect(advance(cursor, { start: 8, count: 5, total: 38, limit: 5 })).toMatchObject({
      next: { offset: 13, total: 38, margin: 2 },
      short: false,
    });
    // 4 left, more than the margin: unread orders may sit at 6 and 7; back to 6, margin 4.
    expect(advance(cursor, { start: 8, count: 5, total: 36, limit: 5 })).toMatchObject({
      next: { offset: 6, total: 36, margin: 4 },
    });
    // The end: read up to the total.
    expect(advance({ ...cursor, total: 13 }, { start: 8, count: 5, total: 13, limit: 5 }).next).toBeNull();
    // Fewer orders listed than eBay counts before the end: not the end.
    expect(advance(cursor, { start: 8, count: 0, total: 40, limit: 5 })).toMatchObject({ short: true });
  });
});

describe('an answer that contradicts itself', () => {
  const emptyPageAt = (offset: number, times: number) => {
    let left = times;
    server.use(
      http.get(`${apiOrigin}/sell/fulfillment/v1/order`, ({ request }) => {
        const url = new URL(request.url);
        if (Number(url.searchParams.get('offset')) !== offset || left <= 0) return undefined;
        left--;
        return HttpResponse.json({ href: request.url, total: 12, limit: 5, offset, orders: [] });
      }),
    );
  };
  const twelve = () =>
    hold(
      ...Array.from({ length: 12 }, (_, i) => order(`35-00000-${String(i).padStart(5, '0')}`, at(40 - i))),
    );

  it('reads an empty page before the end again, and goes on when eBay then lists it', async () => {
    twelve();
    emptyPageAt(5, 1);
    const { records, pages } = await pullAll(context(), undefined, new Date(Date.now() - 3_600_000));
    expect(new Set(records.map(idOf)).size).toBe(12);
    expect(pages.at(-1)!.cursor).toBeNull();
  });

  it('fails, its watermark not reached, when eBay lists the page empty again', async () => {
    twelve();
    emptyPageAt(5, 2);
    const pages: { cursor: string | null }[] = [];
    const run = async () => {
      for await (const page of pullOrders(context(), {
        signal: new AbortController().signal,
        since: new Date(Date.now() - 3_600_000),
      }))
        pages.push(page);
    };
    await expect(run()).rejects.toThrow(
      /listed 0 orders at offset 5 of the 12.*without moving its watermark/,
    );
    // The first page was stored with a cursor to resume from; no last page (cursor null) ended the pull.
    expect(pages).toHaveLength(1);
    expect(typeof pages[0]!.cursor).toBe('string');
  });
});

describe('getOrder', () => {
  it('answers undefined for an order eBay does not know (its 400 with 32100), so the hub fetches again later', async () => {
    hold(order('36-00000-00001', at(5)));
    expect(await fetchOrder(context(), '36-99999-99999', new AbortController().signal)).toBeUndefined();
    vendor.state.missingOrders = 1;
    expect(await fetchOrder(context(), '36-00000-00001', new AbortController().signal)).toBeUndefined();
    const record = await fetchOrder(context(), '36-00000-00001', new AbortController().signal);
    expect(record?.dedupeKey).toMatch(/^order:36-00000-00001@/);
  });
});
