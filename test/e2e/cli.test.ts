import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordException } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, repoRoot, scratchDir } from '../support/hub-process.ts';

const example = join(repoRoot, 'connectors/http-json/examples/order.json');
const scratch = scratchDir('cli');
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await db?.drop();
  scratch.remove();
});

/** Exit 2 and exactly one line on stderr: the CLI's contract for bad input. */
function expectOneLineFailure(r: ReturnType<typeof cli>, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^switchyard: /);
  expect(lines[0]).toMatch(pattern);
}

describe('switchyard normalize', () => {
  it('prints the canonical order for a stored payload', () => {
    const r = cli(scratch.dir, ['normalize', 'http-json', example]);
    expect(r.code, r.stderr).toBe(0);
    const { orders } = JSON.parse(r.stdout);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      externalId: 'WEB-100234',
      currency: 'USD',
      totals: { total: { amount: 6924, currency: 'USD' } },
    });
  });

  it('exits 2 with one line for a payload it cannot map, a missing file, an unknown connector', () => {
    const bad = join(scratch.dir, 'bad.json');
    writeFileSync(bad, '{"id": "X", "currency": "USD", "placedAt": "now", "lines": []}');
    expectOneLineFailure(
      cli(scratch.dir, ['normalize', 'http-json', bad]),
      /bad\.json: body is not an http-json order: placedAt: must be an ISO 8601/,
    );
    expectOneLineFailure(
      cli(scratch.dir, ['normalize', 'http-json', 'nope.json']),
      /cannot read nope\.json: ENOENT/,
    );
    expectOneLineFailure(
      cli(scratch.dir, ['normalize', 'shopfiy', example]),
      /no connector "shopfiy"; installed: amazon, easypost, ebay, http-json, quickbooks, shopify, stripe, walmart, woocommerce, x12, xero/,
    );
    expectOneLineFailure(cli(scratch.dir, ['normalize']), /usage: switchyard normalize <connector> <file>/);
  });
});

describe('switchyard config check', () => {
  it('accepts the example config', () => {
    const r = cli(scratch.dir, ['config', 'check', '--json'], { DEMO_WEBHOOK_SECRET: undefined });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.tenants).toEqual(['demo']);
    expect(summary.connections).toEqual([
      expect.objectContaining({ id: 'demo', connector: 'http-json', defaultedEnv: ['DEMO_WEBHOOK_SECRET'] }),
      expect.objectContaining({ id: 'shop', connector: 'shopify' }),
      expect.objectContaining({ id: 'woo', connector: 'woocommerce' }),
      expect.objectContaining({ id: 'retailer', connector: 'x12' }),
    ]);
  });

  it('exits 2 naming the path, the problem and the fix', () => {
    const file = join(scratch.dir, 'broken.config.ts');
    writeFileSync(
      file,
      `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [{ id: 'demo', tenant: 'demo', connector: 'http-json', settings: { toleranceSecond: 300 }, secrets: { signingSecret: env('MISSING_SECRET') } }],
});`,
    );
    const r = cli(scratch.dir, ['config', 'check', '--config', file], { MISSING_SECRET: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'connections[0](id "demo").settings: Unrecognized key: "toleranceSecond" — fix: remove "toleranceSecond" or check its spelling',
    );
    expect(r.stderr).toContain(
      'connections[0](id "demo").secrets.signingSecret: environment variable MISSING_SECRET is not set — fix: export MISSING_SECRET=<value> before starting the hub',
    );
  });
});

describe('orders and exceptions on DATABASE_URL', () => {
  it('migrates, lists, and refuses unknown ids with one line', () => {
    const env = { DATABASE_URL: db.url };
    expect(cli(scratch.dir, ['migrate'], env)).toMatchObject({ code: 0 });
    const listed = cli(scratch.dir, ['orders', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ orders: [], next: null });
    const exceptions = cli(scratch.dir, ['exceptions', 'list'], env);
    expect({ code: exceptions.code, stdout: exceptions.stdout.trim(), stderr: exceptions.stderr }).toEqual({
      code: 0,
      stdout: 'no open exceptions',
      stderr: '',
    });
    expectOneLineFailure(
      cli(scratch.dir, ['orders', 'show', 'ord_nope'], env),
      /tenant demo has no order ord_nope/,
    );
    expectOneLineFailure(
      cli(scratch.dir, ['exceptions', 'replay', 'exc_nope'], env),
      /tenant demo has no exception exc_nope — list them with: switchyard exceptions list/,
    );
    expectOneLineFailure(
      cli(scratch.dir, ['orders', 'list', '--tenant', 'acme'], env),
      /no tenant "acme" in the config/,
    );
    expectOneLineFailure(cli(scratch.dir, ['frobnicate'], env), /unknown command "frobnicate"/);
    expectOneLineFailure(cli(scratch.dir, ['sync'], env), /usage: switchyard sync <connection>/);
    expectOneLineFailure(
      cli(scratch.dir, ['sync', 'demo'], env),
      /connection "demo" \(http-json\) has no pull/,
    );
    expectOneLineFailure(cli(scratch.dir, ['backfill', 'demo'], env), /backfill needs --since <date>/);
    expectOneLineFailure(cli(scratch.dir, ['sync', 'nope'], env), /no connection "nope"; configured: demo/);
    expectOneLineFailure(
      cli(scratch.dir, ['connections', 'sync-webhooks', 'demo'], env),
      /connector http-json cannot manage its webhook subscriptions/,
    );
    expectOneLineFailure(
      cli(scratch.dir, ['connections', 'list'], env),
      /usage: switchyard connections sync-webhooks/,
    );
    expectOneLineFailure(cli(scratch.dir, ['orders', 'list', '--bogus'], env), /Unknown option '--bogus'/);
    expectOneLineFailure(
      cli(scratch.dir, ['replay', 'order:ord_x'], { ...env, SWITCHYARD_ENGINE: 'temporal' }),
      /SWITCHYARD_ENGINE is "temporal" — set SWITCHYARD_ENGINE to dbos \(embedded, the default\) or trigger/,
    );
    expectOneLineFailure(
      cli(scratch.dir, ['replay', 'order:ord_x'], {
        ...env,
        SWITCHYARD_ENGINE: 'trigger',
        TRIGGER_SECRET_KEY: '',
      }),
      /SWITCHYARD_ENGINE is trigger but TRIGGER_SECRET_KEY is not set — export TRIGGER_SECRET_KEY=/,
    );
    // About fifteen CLI processes in a row: a few seconds apiece on a loaded machine.
  }, 240_000);

  it('says clearly when the database cannot be reached', () => {
    const r = cli(scratch.dir, ['orders', 'list'], {
      DATABASE_URL: 'postgres://nobody:secret-pw@127.0.0.1:1/none',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^switchyard: cannot reach PostgreSQL at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/,
      ),
    ]);
    expect(r.stderr).not.toContain('secret-pw');
  });
});

describe('switchyard exceptions list, a page at a time', () => {
  // A database of its own: 250 open exceptions (more than the 100 a page shows by default), 5 resolved.
  let many: TestDatabase;
  // Each command starts a process that opens the database: a few seconds apiece on a busy machine.
  const slow = 240_000;
  const env = () => ({ DATABASE_URL: many.url });
  const list = (...args: string[]) => cli(scratch.dir, ['exceptions', 'list', ...args], env());
  /** The ids as the table shows them, and the line after it. */
  const rowsOf = (stdout: string) => {
    const [header, ...lines] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^id\s+kind\s+connectionId\s+status/);
    const more = lines.at(-1)?.includes('more after these') ? lines.pop() : undefined;
    return { ids: lines.map((l) => l.split(/\s+/)[0]!), more };
  };
  /** Every id the table would show, in its order, read straight from the database. */
  const newestFirst = async (where = many.sql`status = 'open'`) =>
    (
      await many.sql<{ id: string }[]>`
        select id from exceptions where tenant_id = 'demo' and ${where} order by created_at desc, id desc`
    ).map((r) => r.id);

  beforeAll(async () => {
    many = await createTestDatabase({ migrate: false });
    const migrated = cli(scratch.dir, ['migrate'], env());
    expect(migrated.code, migrated.stderr).toBe(0);
    for (let n = 0; n < 255; n++) {
      await recordException(many.sql, {
        tenantId: 'demo',
        connectionId: n < 235 ? 'demo' : 'shop',
        kind: n < 235 ? 'normalize' : 'order',
        inboxId: null,
        message: `payload ${n} cannot be mapped`,
      });
    }
    // Runs of ten recorded in the same microsecond, so a page boundary falls inside a run; the shop's two days
    // old; five resolved.
    await many.sql`
      with numbered as (
        -- Numbered within each connection: ids made in the same millisecond do not sort in the order made.
        select id, connection_id, row_number() over (partition by connection_id order by id) - 1 as n from exceptions
      )
      update exceptions e
      set created_at = case when numbered.connection_id = 'demo'
                            then date_trunc('second', now()) - (n / 10) * interval '1 second'
                            else now() - interval '2 days' - n * interval '1 millisecond' end,
          status = case when numbered.connection_id = 'demo' and n < 5 then 'resolved' else 'open' end,
          resolved_at = case when numbered.connection_id = 'demo' and n < 5 then now() end
      from numbered where e.id = numbered.id`;
  });
  afterAll(async () => many?.drop());

  it(
    'pages through all 250 with --limit and --cursor, each once, counting down what remains',
    async () => {
      const seen: string[] = [];
      const remaining: number[] = [];
      let cursor: string | null = null;
      do {
        const r = list('--json', '--limit', '40', ...(cursor ? ['--cursor', cursor] : []));
        expect(r.code, r.stderr).toBe(0);
        const page = JSON.parse(r.stdout) as {
          exceptions: { id: string; status: string }[];
          next: string | null;
          remaining: number;
        };
        expect(Object.keys(page).sort()).toEqual(['exceptions', 'next', 'remaining']);
        expect(page.exceptions.length).toBeLessThanOrEqual(40);
        expect(page.exceptions.every((e) => e.status === 'open')).toBe(true);
        seen.push(...page.exceptions.map((e) => e.id));
        remaining.push(page.remaining);
        if (page.next) expect(page.next).toMatch(/^[A-Za-z0-9_-]+$/);
        cursor = page.next;
      } while (cursor && remaining.length < 20);
      expect(remaining).toEqual([210, 170, 130, 90, 50, 10, 0]);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(await newestFirst());
    },
    slow,
  );

  it(
    'shows 100 by default, says how many more, and prints the command that fetches them',
    async () => {
      const shown: string[] = [];
      const mores: (string | undefined)[] = [];
      let args: string[] = [];
      for (let page = 0; page < 5; page++) {
        const r = list(...args);
        expect(r.code, r.stderr).toBe(0);
        const { ids, more } = rowsOf(r.stdout);
        shown.push(...ids);
        mores.push(more);
        if (!more) break;
        // Run exactly what it printed.
        const command = /next page: (switchyard .*)$/.exec(more)![1]!.split(' ');
        expect(command.slice(0, 3)).toEqual(['switchyard', 'exceptions', 'list']);
        args = command.slice(3);
      }
      expect(mores).toEqual([
        expect.stringMatching(
          /^150 more after these 100; next page: switchyard exceptions list --cursor [\w-]+$/,
        ),
        expect.stringMatching(
          /^50 more after these 100; next page: switchyard exceptions list --cursor [\w-]+$/,
        ),
        undefined,
      ]);
      expect(shown).toEqual(await newestFirst());
    },
    slow,
  );

  it(
    'filters by connection, kind, status and age, and carries the filters into the next page',
    async () => {
      const shop = JSON.parse(list('--connection', 'shop', '--json').stdout);
      expect(shop.exceptions).toHaveLength(20);
      expect(shop.exceptions.every((e: { connectionId: string }) => e.connectionId === 'shop')).toBe(true);
      expect(shop).toMatchObject({ next: null, remaining: 0 });
      const orders = JSON.parse(list('--kind', 'order', '--limit', '5', '--json').stdout);
      expect(orders.exceptions.map((e: { kind: string }) => e.kind)).toEqual(Array(5).fill('order'));
      expect(orders.remaining).toBe(15);
      const resolved = JSON.parse(list('--status', 'resolved', '--json').stdout);
      expect(resolved.exceptions.map((e: { id: string }) => e.id)).toEqual(
        await newestFirst(many.sql`status = 'resolved'`),
      );
      // The last day: every one of the demo connection's, open or resolved, none of the shop's.
      const day = list('--status', 'all', '--since', '24h', '--limit', '200');
      expect(day.code, day.stderr).toBe(0);
      const first = rowsOf(day.stdout);
      expect(first.ids).toHaveLength(200);
      const next =
        /^35 more after these 200; next page: switchyard (exceptions list --status all --since (\S+) --limit 200 --cursor \S+)$/.exec(
          first.more ?? '',
        );
      expect(next, first.more).not.toBeNull();
      expect(Date.now() - Date.parse(next![2]!)).toBeGreaterThanOrEqual(24 * 3600_000);
      const rest = cli(scratch.dir, next![1]!.split(' '), env());
      expect(rest.code, rest.stderr).toBe(0);
      const second = rowsOf(rest.stdout);
      expect(second.more).toBeUndefined();
      expect([...first.ids, ...second.ids]).toEqual(await newestFirst(many.sql`connection_id = 'demo'`));
      expect(list('--kind', 'nope').stdout.trim()).toBe('no open exceptions of kind nope');
    },
    slow,
  );

  it(
    'refuses a bad --limit, --cursor, --since or --status with one line, exit 2',
    () => {
      expectOneLineFailure(list('--limit', '0'), /--limit "0" must be a positive whole number/);
      expectOneLineFailure(list('--limit', '1001'), /--limit "1001" must be at most 1000/);
      expectOneLineFailure(list('--limit', 'ten'), /--limit "ten" must be a positive whole number/);
      expectOneLineFailure(
        list('--cursor', 'not-a-cursor'),
        /--cursor "not-a-cursor" is not a cursor this list printed/,
      );
      expectOneLineFailure(
        list('--cursor', Buffer.from('["yesterday","exc_1"]').toString('base64url')),
        /is not a cursor this list printed/,
      );
      expectOneLineFailure(list('--since', 'yesterday'), /--since "yesterday" must be an ISO date/);
      expectOneLineFailure(list('--status', 'closed'), /--status must be open, resolved or all/);
    },
    slow,
  );
});
