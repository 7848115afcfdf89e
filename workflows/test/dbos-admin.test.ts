import { defineWorkflow, type Engine, PermanentError } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbosWorkflowAdmin, startDbosEngine, type WorkflowAdmin } from '../src/index.ts';

/**
 * What operators do to workflows, through a DBOS client beside the running engine (as the API does): look at
 * a workflow's state and steps, replay one that failed from its failed step, cancel one that waits. One engine
 * per process, hence a file of its own.
 */
let labelWorks = false;
const ship = defineWorkflow({
  name: 'ship',
  async run(ctx) {
    await ctx.step('reserve', async () => 'reserved');
    await ctx.step('buy-label', async () => {
      if (!labelWorks) throw new PermanentError('the carrier refused the address');
      return 'label';
    });
    return 'shipped';
  },
});
const waiting = defineWorkflow({
  name: 'waiting',
  async run(ctx) {
    await ctx.step('start', async () => 'started');
    return ctx.waitForSignal('delivered', { timeoutMs: 3_600_000 });
  },
});

let db: TestDatabase;
let engine: Engine;
let admin: WorkflowAdmin;

beforeAll(async () => {
  db = await createTestDatabase();
  engine = await startDbosEngine({
    databaseUrl: db.url,
    executorId: 'admin-1',
    applicationVersion: 'test',
    workflows: [ship, waiting],
    log: () => {},
  });
  admin = dbosWorkflowAdmin(db.url);
});
afterAll(async () => {
  await admin?.close();
  await engine?.stop();
  await db?.drop();
});

describe('the DBOS workflow admin', () => {
  it('answers undefined for a workflow it never ran', async () => {
    expect(await admin.inspect('order:none')).toBeUndefined();
  });

  it("shows a failed workflow's steps, and replays it from the failed step", async () => {
    await engine.start('ship', {}, { workflowId: 'order:ship-1' });
    await engine.settled('order:ship-1');
    const failed = await admin.inspect('order:ship-1');
    expect(failed).toMatchObject({ name: 'ship', state: 'failed', error: 'the carrier refused the address' });
    expect(failed!.steps.map((s) => [s.key, s.status])).toEqual([
      ['reserve', 'succeeded'],
      ['buy-label', 'failed'],
    ]);
    labelWorks = true;
    await admin.replay('order:ship-1');
    expect(await engine.settled('order:ship-1')).toMatchObject({ state: 'succeeded', output: 'shipped' });
    const done = await admin.inspect('order:ship-1');
    expect(done!.steps.map((s) => [s.key, s.status])).toEqual([
      ['reserve', 'succeeded'],
      ['buy-label', 'succeeded'],
    ]);
  });

  it('refuses to replay a workflow that did not fail', async () => {
    await expect(admin.replay('order:ship-1')).rejects.toThrow(/not failed/);
  });

  it('cancels a workflow that waits', async () => {
    await engine.start('waiting', {}, { workflowId: 'order:wait-1' });
    for (let i = 0; i < 100 && (await admin.inspect('order:wait-1'))?.steps.length !== 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await admin.inspect('order:wait-1'))?.state).toBe('pending');
    await admin.cancel('order:wait-1');
    expect((await admin.inspect('order:wait-1'))?.state).toBe('cancelled');
  });
});
