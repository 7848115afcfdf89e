import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../errors.ts';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { type ExceptionFilter, listExceptions, recordException } from './exceptions.ts';

let db: TestDatabase;

type Condition = ReturnType<typeof db.sql>;

/** What the rows are, in the order a list must give them, read straight from the table. */
async function expected(tenantId: string, where: Condition): Promise<string[]> {
  const rows = await db.sql<{ id: string }[]>`
    select id from exceptions where tenant_id = ${tenantId} and ${where} order by created_at desc, id desc`;
  return rows.map((r) => r.id);
}

/** Every page of a list, following `next` to the end. */
async function allPages(tenantId: string, filter: ExceptionFilter, limit: number) {
  const pages: { ids: string[]; next: string | null; remaining: number }[] = [];
  let cursor: string | null = null;
  do {
    const page = await listExceptions(db.sql, tenantId, { ...filter, limit, cursor });
    pages.push({ ids: page.items.map((e) => e.id), next: page.next, remaining: page.remaining });
    cursor = page.next;
    expect(pages.length).toBeLessThan(1000);
  } while (cursor);
  return pages;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into tenants (id, name) values ('acme', 'Acme'), ('globex', 'Globex')`;
  await db.sql`
    insert into connections (id, tenant_id, connector)
    values ('web', 'acme', 'http-json'), ('shop', 'acme', 'http-json'), ('gx', 'globex', 'http-json')`;
  const record = (tenantId: string, connectionId: string, kind: string, n: number) =>
    recordException(db.sql, { tenantId, connectionId, kind, inboxId: null, message: `${kind} ${n}` });
  for (let n = 0; n < 230; n++) await record('acme', 'web', 'normalize', n);
  for (let n = 0; n < 20; n++) await record('acme', 'shop', 'order', n);
  for (let n = 0; n < 7; n++) await record('globex', 'gx', 'normalize', n);
  // Times that a page boundary must get right: runs of ten rows recorded in the same microsecond (the id
  // decides between them) and rows a microsecond apart within one millisecond (JS dates cannot tell them).
  await db.sql`
    with numbered as (
      select id, row_number() over (order by id) as n from exceptions where connection_id = 'web'
    )
    update exceptions e
    set created_at = timestamptz '2026-03-01 12:00:00.123456+00' - (n / 10) * interval '1 second'
                     - case when n % 20 >= 10 then (n % 10) * interval '1 microsecond' else interval '0' end
    from numbered where e.id = numbered.id`;
  // The shop's are two days older; five of the web's are resolved.
  await db.sql`update exceptions set created_at = timestamptz '2026-02-27 12:00:00+00' + ascii(right(id, 1)) * interval '1 second'
               where connection_id = 'shop'`;
  await db.sql`
    update exceptions set status = 'resolved', resolved_at = now()
    where id in (select id from exceptions where connection_id = 'web' order by id limit 5 offset 40)`;
  await db.sql`analyze exceptions`;
});
afterAll(async () => db?.drop());

describe('listExceptions', () => {
  it('pages through every open exception once, newest first, counting down what remains', async () => {
    const all = await expected('acme', db.sql`status = 'open'`);
    expect(all).toHaveLength(245);
    const pages = await allPages('acme', {}, 100);
    expect(pages.map((p) => p.ids.length)).toEqual([100, 100, 45]);
    expect(pages.map((p) => p.remaining)).toEqual([145, 45, 0]);
    expect(pages.map((p) => p.next === null)).toEqual([false, false, true]);
    expect(pages.flatMap((p) => p.ids)).toEqual(all);
  });

  it('keeps rows that share a time, or differ by a microsecond, on exactly one page', async () => {
    const all = await expected('acme', db.sql`status = 'open'`);
    for (const limit of [1, 3, 7, 10, 11]) {
      const pages = await allPages('acme', {}, limit);
      expect(pages.flatMap((p) => p.ids)).toEqual(all);
      expect(pages.map((p) => p.remaining)).toEqual(
        pages.map((_, i) => Math.max(all.length - limit * (i + 1), 0)),
      );
    }
  });

  it('defaults to the newest 100 open ones', async () => {
    const page = await listExceptions(db.sql, 'acme');
    expect(page.items.map((e) => e.id)).toEqual(
      (await expected('acme', db.sql`status = 'open'`)).slice(0, 100),
    );
    expect(page.remaining).toBe(145);
  });

  it('filters by status, connection, kind and age, each with its own count', async () => {
    const cases: [ExceptionFilter, Condition][] = [
      [{ status: 'resolved' }, db.sql`status = 'resolved'`],
      [{ status: 'all' }, db.sql`true`],
      [{ status: 'all', connectionId: 'shop' }, db.sql`connection_id = 'shop'`],
      [{ kind: 'order' }, db.sql`status = 'open' and kind = 'order'`],
      [{ kind: 'normalize', connectionId: 'shop' }, db.sql`false`],
      [
        { status: 'all', since: new Date('2026-03-01T00:00:00Z') },
        db.sql`created_at >= '2026-03-01T00:00:00Z'`,
      ],
      [
        { since: new Date('2026-03-01T11:59:00Z'), connectionId: 'web' },
        db.sql`status = 'open' and connection_id = 'web' and created_at >= '2026-03-01T11:59:00Z'`,
      ],
    ];
    for (const [filter, where] of cases) {
      const all = await expected('acme', where);
      const pages = await allPages('acme', filter, 9);
      expect(
        pages.flatMap((p) => p.ids),
        JSON.stringify(filter),
      ).toEqual(all);
      expect(pages[0]!.remaining).toBe(Math.max(all.length - 9, 0));
      expect(pages.at(-1)).toMatchObject({ next: null, remaining: 0 });
    }
    const shop = await listExceptions(db.sql, 'acme', { connectionId: 'shop', limit: 1000 });
    expect(shop.items).toHaveLength(20);
    expect(shop.items.every((e) => e.connectionId === 'shop' && e.kind === 'order')).toBe(true);
    expect(shop).toMatchObject({ next: null, remaining: 0 });
  });

  it('shows one tenant only, also when given another tenant’s cursor', async () => {
    const globex = await listExceptions(db.sql, 'globex', { limit: 3 });
    expect(globex.items.map((e) => e.tenantId)).toEqual(['globex', 'globex', 'globex']);
    expect(globex.remaining).toBe(4);
    const acme = await listExceptions(db.sql, 'acme', { cursor: globex.next, limit: 1000 });
    expect(acme.items.every((e) => e.tenantId === 'acme')).toBe(true);
  });

  it('refuses a cursor it did not give out, and a limit outside 1..1000', async () => {
    const { next } = await listExceptions(db.sql, 'acme', { limit: 2 });
    const b64 = (value: string) => Buffer.from(value).toString('base64url');
    const bad = [
      'nope!',
      `${next}=`,
      `${next}x`,
      b64('not json'),
      b64('{"createdAt":"2026-03-01T12:00:00.123456Z","id":"exc_1"}'),
      b64('[1, 2]'),
      b64('["2026-03-01T12:00:00.123456Z"]'),
      b64('["2026-03-01", "exc_1"]'),
      b64('["2026-13-45T12:00:00.123456Z", "exc_1"]'),
      b64('["2026-02-30T12:00:00.123456Z", "exc_1"]'),
      b64('["2026-03-01T24:00:00.123456Z", "exc_1"]'),
      b64('["2026-03-01T12:00:00.123456Z", ""]'),
      'x'.repeat(500),
    ];
    for (const cursor of bad) {
      const error = await listExceptions(db.sql, 'acme', { cursor }).catch((e: unknown) => e);
      expect(error, cursor).toBeInstanceOf(HubError);
      expect((error as HubError).problem).toMatchObject({ type: 'invalid-cursor', status: 400 });
      expect((error as HubError).message).not.toContain('\n');
    }
    for (const limit of [0, -1, 1001, 2.5, Number.NaN]) {
      await expect(listExceptions(db.sql, 'acme', { limit })).rejects.toMatchObject({
        problem: { type: 'invalid-limit', status: 400 },
      });
    }
    await expect(listExceptions(db.sql, 'acme', { since: new Date('nope') })).rejects.toMatchObject({
      problem: { type: 'invalid-since', status: 400 },
    });
  });

  it('reads a page through an index, without sorting and without reading the whole table', async () => {
    // The statements listExceptions sends, as PostgreSQL receives them.
    const sent: { query: string; parameters: unknown[] }[] = [];
    const watched = postgres(db.url, {
      max: 1,
      onnotice: () => {},
      // Only ours: postgres.js reads the server's array types first, on its own.
      debug: (_connection, query, parameters) => {
        if (query.includes('from exceptions')) sent.push({ query, parameters: [...parameters] });
      },
    });
    try {
      const first = await listExceptions(watched, 'acme', { limit: 10 });
      await listExceptions(watched, 'acme', { limit: 10, cursor: first.next });
      await listExceptions(watched, 'acme', {
        status: 'all',
        limit: 10,
        cursor: first.next,
        kind: 'normalize',
        connectionId: 'web',
        since: new Date('2026-03-01T00:00:00Z'),
      });
      const ours = sent.splice(0);
      expect(ours).toHaveLength(3);
      const plans = await watched.begin(async (tx) => {
        // The table is small enough that scanning it all would be cheaper; what matters is that an index
        // serves the order, so the scan that ignores every index is taken off the table.
        await tx`set local enable_seqscan = off`;
        const plans: string[] = [];
        for (const { query, parameters } of ours) {
          const [row] = await tx.unsafe(`explain (format json) ${query}`, parameters as never[]);
          plans.push(JSON.stringify(row!['QUERY PLAN']));
        }
        return plans;
      });
      const [open, openAfter, all] = plans.map((plan) => JSON.parse(plan)[0].Plan);
      for (const plan of [open, openAfter]) {
        expect(plan['Node Type']).toBe('Limit');
        expect(
          plan.Plans.find((p: { 'Parent Relationship': string }) => p['Parent Relationship'] === 'Outer'),
        ).toMatchObject({ 'Index Name': 'exceptions_tenant_status_keyset' });
      }
      expect(
        all.Plans.find((p: { 'Parent Relationship': string }) => p['Parent Relationship'] === 'Outer'),
      ).toMatchObject({ 'Index Name': 'exceptions_tenant_keyset' });
      for (const plan of plans) {
        expect(plan).not.toMatch(/"Node Type":"(Sort|Incremental Sort|Seq Scan)"/);
      }
      // The cursor is an index condition (where the scan starts), not a filter over the rows before it.
      expect(JSON.stringify(openAfter)).toMatch(/"Index Cond":"[^"]*created_at, id\) < /);
    } finally {
      await watched.end();
    }
  });

  it('has its indexes once however often the migrations run', async () => {
    const { migrate } = await import('./migrate.ts');
    await migrate(db.sql);
    // And the file itself, run again as it stands (as after a restore that lost schema_migrations).
    const file = new URL('./migrations/0011_exceptions_keyset.sql', import.meta.url);
    const text = readFileSync(file, 'utf8');
    await db.sql.unsafe(text);
    await db.sql.unsafe(text);
    const indexes = await db.sql<{ indexname: string }[]>`
      select indexname from pg_indexes where tablename = 'exceptions' order by indexname`;
    expect(indexes.map((r) => r.indexname)).toEqual([
      'exceptions_open_counts',
      'exceptions_open_per_input',
      'exceptions_pkey',
      'exceptions_tenant_keyset',
      'exceptions_tenant_status_keyset',
    ]);
  });
});
