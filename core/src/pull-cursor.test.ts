import { describe, expect, it } from 'vitest';
import { modifiedAfter, nextCursor, pullModifiedSince, startCursor } from './pull-cursor.ts';

interface Item {
  id: number;
  modified: string;
}

/** A vendor listing by modification time, oldest first, paged by number, like WooCommerce's. */
function vendor(items: Item[]) {
  const asked: { modifiedAfter: string | undefined; page: number }[] = [];
  return {
    asked,
    fetchPage: async ({ modifiedAfter, page }: { modifiedAfter: Date | undefined; page: number }) => {
      asked.push({ modifiedAfter: modifiedAfter?.toISOString(), page });
      const listing = items
        .filter((i) => !modifiedAfter || Date.parse(i.modified) > modifiedAfter.getTime())
        .sort((a, b) => Date.parse(a.modified) - Date.parse(b.modified) || a.id - b.id);
      return { items: listing.slice((page - 1) * 2, page * 2), total: listing.length };
    },
  };
}

const record = (i: Item) => ({
  dedupeKey: `order:${i.id}@${i.modified}`,
  body: new Uint8Array(),
  contentType: 'application/json',
});

async function pullAll(items: Item[], request: { since?: Date; cursor?: string } = {}) {
  const v = vendor(items);
  const pages = [];
  for await (const page of pullModifiedSince(
    { ...request, signal: new AbortController().signal },
    { pageSize: 2, fetchPage: v.fetchPage, modifiedAt: (i) => i.modified, toRecord: record },
  ))
    pages.push(page);
  return { pages, asked: v.asked, keys: new Set(pages.flatMap((p) => p.records.map((r) => r.dedupeKey))) };
}

describe('modified-since pull cursor', () => {
  it('moves the keyset to the latest time seen, asking a second of overlap', async () => {
    const items = [
      { id: 1, modified: '2026-11-01T10:00:01Z' },
      { id: 2, modified: '2026-11-01T10:00:02Z' },
      { id: 3, modified: '2026-11-01T10:00:03Z' },
    ];
    const { pages, asked, keys } = await pullAll(items, { since: new Date('2026-11-01T00:00:00Z') });
    expect(asked).toEqual([
      { modifiedAfter: '2026-10-31T23:59:59.000Z', page: 1 },
      { modifiedAfter: '2026-11-01T10:00:01.000Z', page: 1 },
      // The overlap brings order 3 back once; dedupe absorbs it.
      { modifiedAfter: '2026-11-01T10:00:02.000Z', page: 1 },
    ]);
    expect(keys.size).toBe(3);
    expect(pages.at(-1)).toMatchObject({ cursor: null, watermark: '2026-11-01T10:00:03.000Z', remaining: 0 });
  });

  it('pages within one second when a whole page shares it, and misses none of them', async () => {
    const second = '2026-11-01T10:00:05Z';
    const items = [1, 2, 3, 4, 5].map((id) => ({ id, modified: second }));
    items.push({ id: 6, modified: '2026-11-01T10:00:07Z' });
    const { asked, keys } = await pullAll(items);
    expect(keys.size).toBe(6);
    expect(asked.slice(1, 3)).toEqual([
      { modifiedAfter: '2026-11-01T10:00:04.000Z', page: 1 },
      { modifiedAfter: '2026-11-01T10:00:04.000Z', page: 2 },
    ]);
  });

  it('resumes from a stored cursor, and refuses one that is not its own', async () => {
    const stored = JSON.stringify({ after: '2026-11-01T10:00:05.000Z', page: 2 });
    expect(startCursor({ cursor: stored })).toEqual({ after: '2026-11-01T10:00:05.000Z', page: 2 });
    expect(modifiedAfter({ after: '2026-11-01T10:00:05.000Z', page: 2 })).toEqual(
      new Date('2026-11-01T10:00:04.000Z'),
    );
    expect(startCursor({})).toEqual({ after: null, page: 1 });
    expect(() => startCursor({ cursor: 'eyJwYWdlIjoy' })).toThrow(
      /not a modified-since cursor: run the sync with --restart/,
    );
    expect(() => startCursor({ cursor: '{"after":"soon","page":1}' })).toThrow(/not a modified-since cursor/);
  });

  it('pages on rather than looping when a full page carries no modification times', () => {
    const { next, latest } = nextCursor(
      { after: null, page: 1 },
      { modified: [null, undefined], full: true },
    );
    expect(next).toEqual({ after: null, page: 2 });
    expect(latest).toBeNull();
    expect(
      nextCursor({ after: null, page: 1 }, { modified: ['2026-11-01T10:00:00Z'], full: false }).next,
    ).toBeNull();
  });
});
