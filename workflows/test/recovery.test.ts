import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** A hub process killed with SIGKILL mid-workflow: restarted, it finishes the workflow without redoing a step. */
let db: TestDatabase;
const worker = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`create table crash_effects (key text primary key, runs int not null)`;
});
afterAll(async () => {
  await db?.drop();
});

function run(until: RegExp, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker], {
    env: { ...process.env, CRASH_DATABASE_URL: db.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const seen = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => until.test(output) && resolve(output));
    child.on('exit', (code) =>
      until.test(output) ? resolve(output) : reject(new Error(`exited ${code}: ${output}`)),
    );
  });
  return { child, seen };
}

it('recovers a workflow after kill -9 and runs each step once', async () => {
  const first = run(/started/);
  await first.seen;
  // The first step is done and checkpointed, and the workflow sleeps durably: kill the process there. (Its
  // effect alone is not enough: a kill between the effect and the checkpoint runs the step again, by design.)
  let checkpointed = false;
  for (let i = 0; i < 200 && !checkpointed; i++) {
    const rows = await db.sql`
      select 1 from switchyard_dbos.operation_outputs
       where workflow_uuid = 'crash-order-1' and function_name = 'buy-label'`.catch(() => []);
    checkpointed = rows.length > 0;
    if (!checkpointed) await new Promise((r) => setTimeout(r, 50));
  }
  expect(checkpointed, 'the buy-label step was checkpointed before the kill').toBe(true);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  const second = run(/settled/);
  const output = await second.seen;
  expect(output).toContain('settled succeeded "shipped"');
  const effects = await db.sql`select key, runs from crash_effects order by key`;
  expect(effects).toEqual([
    { key: 'buy-label', runs: 1 },
    { key: 'notify-channel', runs: 1 },
  ]);
}, 60_000);

it('recovers a workflow killed during its compensation: the undo done is not done again, the one cut off is done', async () => {
  const first = run(/compensating/, { CRASH_SCENARIO: 'compensation', CRASH_HANG: '1' });
  await first.seen;
  // The label's undo (registered last, so run first) is done and recorded; the release hangs: kill it there.
  const recorded = await db.sql`
    select function_name from switchyard_dbos.operation_outputs
     where workflow_uuid = 'crash-order-2' order by function_id`;
  expect(recorded.map((r) => r.function_name)).toEqual(['authorize', 'buy-label', 'void-label']);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  const second = run(/settled/, { CRASH_SCENARIO: 'compensation' });
  const output = await second.seen;
  expect(output).toContain('settled succeeded {"undone":["void-label","release"],"left":[]}');
  const effects = await db.sql`
    select key, runs from crash_effects where key in ('authorize', 'void-label', 'release') order by key`;
  expect(effects).toEqual([
    { key: 'authorize', runs: 1 },
    { key: 'release', runs: 1 },
    { key: 'void-label', runs: 1 },
  ]);
}, 60_000);
