import { DBOS } from '@dbos-inc/dbos-sdk';
import { defineWorkflow, type Engine, PermanentError } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDbosEngine } from '../src/index.ts';

/**
 * The DBOS adapter runs a step's attempts inside one DBOS step (DBOS's retries off): the workflow fails with
 * the step's own error, of its own class; a cancelled workflow stops retrying; `startMany` enqueues a batch in
 * one transaction. One engine per process, hence a file of its own.
 */
class CarrierRefusal extends Error {
  override name = 'CarrierRefusal';
}
const tries = new Map<string, number>();
const tried = (id: string) => tries.set(id, (tries.get(id) ?? 0) + 1);

const refused = defineWorkflow({
  name: 'refused',
  async run(ctx, input: { permanent: boolean }) {
    await ctx.step('first', async () => 'ok');
    return ctx.step(
      'buy-label',
      async ({ attempt }) => {
        tried(ctx.workflowId);
        if (input.permanent) throw new PermanentError('the address is not deliverable');
        throw new CarrierRefusal(`the carrier refused the address (attempt ${attempt})`);
      },
      { retry: { attempts: 3, initialDelayMs: 10 } },
    );
  },
});

const stubborn = defineWorkflow({
  name: 'stubborn',
  async run(ctx) {
    return ctx.step(
      'capture',
      async () => {
        tried(ctx.workflowId);
        throw new Error('503 from the payment service');
      },
      { retry: { attempts: 1000, initialDelayMs: 100, backoff: 1 } },
    );
  },
});

const started: string[] = [];
const noted = defineWorkflow({
  name: 'noted',
  async run(ctx, input: { n: number }) {
    await ctx.step('note', async () => started.push(`${ctx.workflowId}:${input.n}`));
    return input.n;
  },
});

const logged: string[] = [];
let db: TestDatabase;
let engine: Engine;

beforeAll(async () => {
  db = await createTestDatabase();
  engine = await startDbosEngine({
    databaseUrl: db.url,
    executorId: 'steps-1',
    applicationVersion: 'test',
    workflows: [refused, stubborn, noted],
    queues: [{ name: 'batch-lane', concurrency: 4 }],
    queuePollMs: 50,
    log: (level, message) => logged.push(`${level}: ${message}`),
  });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
});

const stepErrors = (workflowId: string) => db.sql<{ name: string; error: string | null }[]>`
  select function_name as name, error from switchyard_dbos.operation_outputs
   where workflow_uuid = ${workflowId} order by function_id`;

describe('a step on DBOS', () => {
  it('fails the workflow with its last attempt’s own error and class, not a max-retries wrapper', async () => {
    await engine.start('refused', { permanent: false }, { workflowId: 'label-1' });
    const failed = await engine.settled('label-1');
    expect(failed).toMatchObject({ state: 'failed', error: 'the carrier refused the address (attempt 3)' });
    expect(tries.get('label-1')).toBe(3);
    // What DBOS recorded: the workflow's error and the step's are the step's own, its class named.
    const status = await DBOS.getWorkflowStatus('label-1');
    expect(status?.error).toMatchObject({
      name: 'CarrierRefusal',
      message: 'the carrier refused the address (attempt 3)',
    });
    const steps = await stepErrors('label-1');
    expect(steps.map((s) => s.name)).toEqual(['first', 'buy-label']);
    expect(steps[1]!.error).toContain('CarrierRefusal');
    expect(steps[1]!.error).not.toMatch(/exceeded its maximum/);
    // Each failed attempt is told to the hub's log with what comes next.
    expect(logged.filter((l) => l.includes('workflow label-1'))).toEqual([
      'warn: step "buy-label" of workflow label-1 failed on attempt 1 of 3, tried again in 10 ms: the carrier refused the address (attempt 1)',
      'warn: step "buy-label" of workflow label-1 failed on attempt 2 of 3, tried again in 20 ms: the carrier refused the address (attempt 2)',
      'warn: step "buy-label" of workflow label-1 failed on attempt 3 of 3, not retried: the carrier refused the address (attempt 3)',
    ]);
  });

  it('fails at once on a PermanentError, with it', async () => {
    await engine.start('refused', { permanent: true }, { workflowId: 'label-2' });
    expect(await engine.settled('label-2')).toMatchObject({
      state: 'failed',
      error: 'the address is not deliverable',
    });
    expect(tries.get('label-2')).toBe(1);
    expect((await DBOS.getWorkflowStatus('label-2'))?.error).toMatchObject({
      message: 'the address is not deliverable',
      permanent: true,
    });
  });

  it('stops retrying once the workflow is cancelled, recording no result for the step', async () => {
    await engine.start('stubborn', {}, { workflowId: 'capture-1' });
    while ((tries.get('capture-1') ?? 0) < 2) await new Promise((r) => setTimeout(r, 20));
    await DBOS.cancelWorkflow('capture-1');
    // DBOS's cancel signal is polled about once a second: past that, no attempt begins.
    await new Promise((r) => setTimeout(r, 1_500));
    const after = tries.get('capture-1');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(tries.get('capture-1')).toBe(after);
    expect((await engine.status('capture-1'))?.state).toBe('cancelled');
    expect(await stepErrors('capture-1')).toEqual([]);
  });
});

describe('startMany on DBOS', () => {
  it('enqueues a batch on its queues, each id once (the first start of it), and starts the unqueued ones', async () => {
    await engine.startMany('noted', [
      ...Array.from({ length: 6 }, (_, n) => ({
        input: { n },
        workflowId: `batch-${n}`,
        queue: 'batch-lane',
      })),
      { input: { n: 99 }, workflowId: 'batch-0', queue: 'batch-lane' },
    ]);
    const rows = await db.sql<{ id: string; queue: string }[]>`
      select workflow_uuid as id, queue_name as queue from switchyard_dbos.workflow_status
       where workflow_uuid like 'batch-%' order by workflow_uuid`;
    expect(rows).toEqual(Array.from({ length: 6 }, (_, n) => ({ id: `batch-${n}`, queue: 'batch-lane' })));
    // Enqueued again (a dispatcher's turn that failed after the enqueue): nothing new, nothing run twice.
    await engine.startMany('noted', [{ input: { n: 7 }, workflowId: 'batch-1', queue: 'batch-lane' }]);
    await engine.startMany('noted', [
      { input: { n: 10 }, workflowId: 'direct-10' },
      { input: { n: 11 }, workflowId: 'direct-11' },
    ]);
    const ids = [...Array.from({ length: 6 }, (_, n) => `batch-${n}`), 'direct-10', 'direct-11'];
    const settled = await Promise.all(ids.map((id) => engine.settled(id, { timeoutMs: 30_000 })));
    expect(settled.map((s) => [s.state, s.output])).toEqual([
      ...Array.from({ length: 6 }, (_, n) => ['succeeded', n]),
      ['succeeded', 10],
      ['succeeded', 11],
    ]);
    expect(started.sort()).toEqual(ids.map((id) => `${id}:${id.split('-')[1]}`).sort());
    await expect(
      engine.startMany('noted', [{ input: { n: 1 }, workflowId: 'q-x', queue: 'nope' }]),
    ).rejects.toThrow(/no queue "nope"; the engine has: batch-lane/);
  });
});
