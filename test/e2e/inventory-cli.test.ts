import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, scratchDir } from '../support/hub-process.ts';

/** `switchyard inventory` through the real binary, on a database of its own and a config with two locations. */
const scratch = scratchDir('inventory-cli');
let db: TestDatabase;
const config = join(scratch.dir, 'stock.config.ts');
const run = (...args: string[]) => cli(scratch.dir, ['--config', config, ...args], { DATABASE_URL: db.url });
// Each command is a process that opens the database: a few seconds apiece on a busy machine.
const slow = 240_000;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  const address = "{ street1: '1 Dock Rd', city: 'Newark', zip: '07102', country: 'US' }";
  writeFileSync(
    config,
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [{ id: 'web', tenant: 'demo', connector: 'http-json', settings: { toleranceSeconds: 300 }, secrets: { signingSecret: env('STOCK_TEST_SECRET', { default: 'test-secret' }) } }],
  locations: [
    { id: 'east', tenant: 'demo', kind: 'warehouse', address: ${address} },
    { id: 'west', tenant: 'demo', kind: 'store', address: ${address} },
  ],
});`,
  );
  const migrated = run('migrate');
  expect(migrated.code, migrated.stderr).toBe(0);
}, slow);
afterAll(async () => {
  await db?.drop();
  scratch.remove();
});

/** Exit 2 and exactly one line on stderr: the CLI's contract for bad input. */
function expectOneLineFailure(r: ReturnType<typeof cli>, pattern: RegExp) {
  expect(r.code, r.stdout).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^switchyard: /);
  expect(lines[0]).toMatch(pattern);
}

describe('switchyard inventory', () => {
  it(
    'receives, counts and adjusts stock, and lists the balances',
    () => {
      const received = run('inventory', 'receive', 'MUG-12OZ', 'east', '40', '--reason', 'PO 1001');
      expect(received.code, received.stderr).toBe(0);
      expect(received.stdout.trim()).toBe(
        'received 40: MUG-12OZ at east: on hand 40, reserved 0, safety 0, available 40',
      );
      expect(run('inventory', 'count', 'MUG-12OZ', 'west', '5').code).toBe(0);
      // A negative change as a shell gives it, not taken for an option.
      const adjusted = run('inventory', 'adjust', 'MUG-12OZ', 'west', '-5', '--reason', 'water damage');
      expect(adjusted.code, adjusted.stderr).toBe(0);
      expect(adjusted.stdout).toContain('available 0 (none to promise)');

      const levels = run('inventory', 'levels', '--json');
      expect(levels.code, levels.stderr).toBe(0);
      expect(
        JSON.parse(levels.stdout).items.map((l: { locationId: string; onHand: number }) => [
          l.locationId,
          l.onHand,
        ]),
      ).toEqual([
        ['east', 40],
        ['west', 0],
      ]);
      const short = run('inventory', 'levels', '--short');
      expect(short.stdout).toMatch(/^sku\s+locationId\s+onHand/);
      expect(short.stdout).toContain('west');
      expect(short.stdout).not.toMatch(/\beast\b/);
    },
    slow,
  );

  it(
    'loads a CSV once however often it is loaded, and names every bad line',
    () => {
      const bad = join(scratch.dir, 'bad.csv');
      writeFileSync(bad, 'sku,location,quantity\nMUG-12OZ,east,12\nMUG-12OZ,north,3\nPLATE,west,x\n');
      expectOneLineFailure(
        run('inventory', 'load', bad),
        /2 of 3 rows cannot be loaded: line 3: no location "north" \(the tenant has east, west\); line 4: quantity "x" is not a whole number/,
      );
      const good = join(scratch.dir, 'counts.csv');
      writeFileSync(good, 'sku,location,quantity,reason\nMUG-12OZ,east,12,cycle count\nPLATE,west,8,\n');
      const first = run('inventory', 'load', good);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^counts\.csv: 2 counts recorded \(sha256 [0-9a-f]{12}\)/);
      const again = run('inventory', 'load', good, '--json');
      expect(JSON.parse(again.stdout)).toMatchObject({ rows: 2, applied: 0, alreadyLoaded: 2 });

      const sku = run('inventory', 'sku', 'MUG-12OZ', '--json');
      expect(sku.code, sku.stderr).toBe(0);
      const detail = JSON.parse(sku.stdout);
      expect(detail.total).toMatchObject({ onHand: 12 });
      expect(detail.movements.map((m: { kind: string }) => m.kind)).toEqual([
        'count',
        'adjustment',
        'count',
        'receipt',
      ]);
      const movements = run('inventory', 'movements', '--location', 'west');
      expect(movements.stdout).toContain('water damage');
    },
    slow,
  );

  it(
    'exits 2 with one line for bad input',
    () => {
      expectOneLineFailure(
        run('inventory', 'adjust', 'MUG-12OZ', 'east', '-1'),
        /an adjustment needs --reason/,
      );
      expectOneLineFailure(
        run('inventory', 'receive', 'MUG-12OZ', 'north', '1'),
        /tenant demo has no location "north" — use one of: east, west/,
      );
      expectOneLineFailure(run('inventory', 'receive', 'MUG-12OZ', 'east', 'lots'), /must be a whole number/);
      expectOneLineFailure(run('inventory', 'sku', 'NO-SUCH'), /tenant demo holds no stock of SKU "NO-SUCH"/);
      expectOneLineFailure(
        run('inventory', 'reroute', 'ord_nope', '1', 'west'),
        /tenant demo has no order ord_nope/,
      );
      expectOneLineFailure(run('inventory', 'frob'), /usage: switchyard inventory/);
    },
    slow,
  );
});
