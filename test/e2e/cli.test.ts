import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
      /no connector "shopfiy"; installed: easypost, http-json, shopify, stripe, woocommerce, x12/,
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
  });

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
