import { defineWorkflow, type Engine } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDbosEngine } from '../src/index.ts';

/** The DBOS adapter on a real PostgreSQL: checkpoints, retries, signals, replay. One engine per process. */
const runs = new Map<string, number>();
const attempts: { key: string; attempt: number }[] = [];
const count = (what: string) => runs.set(what, (runs.get(what) ?? 0) + 1);
let flaky = 2; // failures left for the flaky step
let broken = true;

const charge = defineWorkflow({
  name: 'charge-twice-safe',
  async run(ctx, input: { amount: number }) {
    const intent = await ctx.step('create-intent', async ({ idempotencyKey }) => {
      count(`${ctx.workflowId}:create-intent`);
      return { id: `pi_${input.amount}`, idempotencyKey };
    });
    const captured = await ctx.step(
      'capture',
      async ({ idempotencyKey, attempt }) => {
        attempts.push({ key: idempotencyKey, attempt });
        count(`${ctx.workflowId}:capture`);
        if (flaky-- > 0) throw new Error('503 from the payment service');
        return { captured: input.amount };
      },
      { retry: { attempts: 4, initialDelayMs: 10 } },
    );
    return { intent, captured };
  },
});

const fragile = defineWorkflow({
  name: 'fragile',
  async run(ctx) {
    await ctx.step('first', async () => count(`${ctx.workflowId}:first`));
    await ctx.step(
      'second',
      async () => {
        count(`${ctx.workflowId}:second`);
        if (broken) throw new Error('the carrier refused the address');
        return 'labelled';
      },
      { retry: { attempts: 2, initialDelayMs: 10 } },
    );
    return 'done';
  },
});

const waiter = defineWorkflow({
  name: 'waiter',
  async run(ctx) {
    const first = await ctx.waitForSignal<{ status: string }>('tracking', { timeoutMs: 5_000 });
    const second = await ctx.waitForSignal<{ status: string }>('tracking', { timeoutMs: 1_000 });
    return { first, second: second ?? 'timed out' };
  },
});

const careless = defineWorkflow({
  name: 'careless',
  async run(ctx) {
    await ctx.step('label', async () => 1);
    await ctx.step('label', async () => 2);
  },
});

/** Records how many of its kind run at once, holding each run for a moment. */
let inFlight = 0;
let mostInFlight = 0;
const queuedRuns = new Map<string, number>();
const held = defineWorkflow({
  name: 'held',
  async run(ctx, input: { n: number }) {
    await ctx.step('hold', async () => {
      queuedRuns.set(ctx.workflowId, (queuedRuns.get(ctx.workflowId) ?? 0) + 1);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 100));
      inFlight--;
    });
    return input.n;
  },
});

/** Undos in reverse, one replacing another in its place, one failing, one a person's, one stopping the rest. */
const undone: string[] = [];
let voidAnswer = 'voided';
const cancellable = defineWorkflow({
  name: 'cancellable',
  async run(ctx) {
    const undo = (key: string, extra: object = {}) => ({
      key,
      what: `undo ${key}`,
      run: async ({ idempotencyKey, reason }: { idempotencyKey: string; reason: string }) => {
        undone.push(`${ctx.workflowId}:${key}:${idempotencyKey}:${reason}`);
        if (key === 'refund' && ctx.workflowId === 'undo-2') throw new Error('the refund was refused');
        return key === 'void' ? { status: voidAnswer } : key;
      },
      ...extra,
    });
    await ctx.step('authorize', async () => 'auth', { compensate: () => undo('release') });
    await ctx.step('invoice', async () => 'inv', {
      compensate: () => ({ key: 'x', what: 'void the invoice' }),
    });
    await ctx.step('label', async () => 'lbl', {
      compensate: () =>
        undo('void', {
          stop: (answer: { status: string }, reason: string) =>
            answer.status === 'scanned' ? new Error(`with the carrier (${reason})`) : undefined,
        }),
    });
    await ctx.step('capture', async () => 'cap', {
      compensate: () => undo('refund', { replaces: 'release', retry: { attempts: 1 } }),
    });
    await ctx.step('nothing', async () => 'x', { compensate: () => undefined });
    return ctx.compensate('changed mind');
  },
});

/** An undo marked `always` (the hub's own bookkeeping) runs even after a later one stopped the compensation. */
const kept: string[] = [];
const bookkeeping = defineWorkflow({
  name: 'bookkeeping',
  async run(ctx) {
    await ctx.step('reserve', async () => 'held', {
      compensate: () => ({
        key: 'unreserve',
        what: 'release',
        always: true,
        run: async () => kept.push('unreserve'),
      }),
    });
    await ctx.step('label', async () => 'lbl', {
      compensate: () => ({
        key: 'void',
        what: 'void the label',
        run: async () => kept.push('void'),
        stop: () => new Error('with the carrier'),
      }),
    });
    await ctx.step('capture', async () => 'cap', {
      compensate: () => ({ key: 'refund', what: 'refund', run: async () => kept.push('refund') }),
    });
    return ctx.compensate('changed mind');
  },
});

const logged: string[] = [];
let db: TestDatabase;
let engine: Engine;

beforeAll(async () => {
  db = await createTestDatabase();
  engine = await startDbosEngine({
    databaseUrl: db.url,
    executorId: 'test-1',
    applicationVersion: 'test',
    workflows: [charge, fragile, waiter, careless, held, cancellable, bookkeeping],
    queues: [{ name: 'lane', concurrency: 2 }],
    queuePollMs: 50,
    log: (level, message) => logged.push(`${level}: ${message}`),
  });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
});

describe('DBOS engine', () => {
  it('runs each step once, retries with the same idempotency key, and starts an id only once', async () => {
    await engine.start('charge-twice-safe', { amount: 1999 }, { workflowId: 'order-1' });
    await engine.start('charge-twice-safe', { amount: 5 }, { workflowId: 'order-1' });
    const status = await engine.settled('order-1');
    expect(status).toMatchObject({
      state: 'succeeded',
      output: {
        intent: { id: 'pi_1999', idempotencyKey: 'order-1/create-intent' },
        captured: { captured: 1999 },
      },
    });
    expect(runs.get('order-1:create-intent')).toBe(1);
    expect(runs.get('order-1:capture')).toBe(3);
    expect(attempts).toEqual([
      { key: 'order-1/capture', attempt: 1 },
      { key: 'order-1/capture', attempt: 2 },
      { key: 'order-1/capture', attempt: 3 },
    ]);
    // Started again after it ended: still the one run.
    await engine.start('charge-twice-safe', { amount: 7 }, { workflowId: 'order-1' });
    expect((await engine.settled('order-1')).output).toMatchObject({ captured: { captured: 1999 } });
    expect(runs.get('order-1:create-intent')).toBe(1);
  });

  it('fails with the step’s error after its last attempt, and replays from that step', async () => {
    await engine.start('fragile', {}, { workflowId: 'order-2' });
    const failed = await engine.settled('order-2');
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain('the carrier refused the address');
    expect(runs.get('order-2:second')).toBe(2);
    // DBOS's own account of it goes to the hub's log, not to the console.
    expect(logged.some((l) => l.startsWith('warn:') && l.includes('the carrier refused the address'))).toBe(
      true,
    );

    broken = false;
    await engine.replay('order-2');
    expect(await engine.settled('order-2')).toMatchObject({ state: 'succeeded', output: 'done' });
    // The step that had succeeded is not run again.
    expect(runs.get('order-2:first')).toBe(1);
    expect(runs.get('order-2:second')).toBe(3);
    await expect(engine.replay('order-2')).rejects.toThrow(/is success, not failed: nothing to replay/);
  });

  it('delivers a signal once per dedupe key, before or after the wait began, and times out', async () => {
    expect(await engine.signal('order-3', 'tracking', { status: 'x' }, { dedupeKey: 'evt_0' })).toBe(
      'no-such-workflow',
    );
    await engine.start('waiter', {}, { workflowId: 'order-3' });
    expect(await engine.signal('order-3', 'tracking', { status: 'in_transit' }, { dedupeKey: 'evt_1' })).toBe(
      'delivered',
    );
    // The carrier resends the same event: dropped, so the second wait runs out.
    expect(await engine.signal('order-3', 'tracking', { status: 'in_transit' }, { dedupeKey: 'evt_1' })).toBe(
      'delivered',
    );
    expect(await engine.settled('order-3')).toMatchObject({
      state: 'succeeded',
      output: { first: { status: 'in_transit' }, second: 'timed out' },
    });
  });

  it('runs the workflows of a queue at most `concurrency` at once, each id once however often it is started', async () => {
    const ids = Array.from({ length: 6 }, (_, n) => `queued-${n}`);
    for (const [n, workflowId] of ids.entries()) {
      await engine.start('held', { n }, { workflowId, queue: 'lane' });
      await engine.start('held', { n: 99 }, { workflowId, queue: 'lane' });
    }
    const settled = await Promise.all(ids.map((id) => engine.settled(id, { timeoutMs: 30_000 })));
    expect(settled.map((s) => [s.state, s.output])).toEqual(ids.map((_, n) => ['succeeded', n]));
    expect(mostInFlight).toBe(2);
    expect([...queuedRuns.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    await expect(engine.start('held', { n: 1 }, { workflowId: 'q-x', queue: 'nope' })).rejects.toThrow(
      /no queue "nope"; the engine has: lane/,
    );
  });

  it('compensates last registered first, each undo a step of its own: a replaced undo in its place, a failure named and passed', async () => {
    await engine.start('cancellable', {}, { workflowId: 'undo-1' });
    expect(await engine.settled('undo-1')).toMatchObject({
      state: 'succeeded',
      output: { undone: ['void', 'refund'], left: ['void the invoice'] },
    });
    // The label first, then the money (the refund took the release's place), each under its own key.
    expect(undone.splice(0)).toEqual([
      'undo-1:void:undo-1/void:changed mind',
      'undo-1:refund:undo-1/refund:changed mind',
    ]);
    const steps = await db.sql<{ name: string }[]>`
      select function_name as name from switchyard_dbos.operation_outputs
       where workflow_uuid = 'undo-1' order by function_id`;
    expect(steps.map((r) => r.name)).toEqual([
      'authorize',
      'invoice',
      'label',
      'capture',
      'nothing',
      'void',
      'refund',
    ]);

    await engine.start('cancellable', {}, { workflowId: 'undo-2' });
    expect(await engine.settled('undo-2')).toMatchObject({
      state: 'succeeded',
      output: { undone: ['void'], left: ['void the invoice', 'undo refund: the refund was refused'] },
    });
    undone.length = 0;
    voidAnswer = 'scanned';
    await engine.start('cancellable', {}, { workflowId: 'undo-3' });
    expect(await engine.settled('undo-3')).toMatchObject({
      state: 'failed',
      error: 'with the carrier (changed mind)',
    });
    expect(undone).toEqual(['undo-3:void:undo-3/void:changed mind']);
  });

  it('still runs the bookkeeping undos once a later undo stopped the compensation', async () => {
    await engine.start('bookkeeping', {}, { workflowId: 'undo-4' });
    expect(await engine.settled('undo-4')).toMatchObject({ state: 'failed', error: 'with the carrier' });
    expect(kept).toEqual(['refund', 'void', 'unreserve']);
  });

  it('refuses an unknown workflow name and a step key used twice', async () => {
    await expect(engine.start('nope', {}, { workflowId: 'x' })).rejects.toThrow(
      /no workflow "nope"; registered: charge-twice-safe, fragile, waiter, careless, held, cancellable, bookkeeping/,
    );
    await engine.start('careless', {}, { workflowId: 'order-4' });
    expect(await engine.settled('order-4')).toMatchObject({
      state: 'failed',
      error: 'workflow order-4 uses the step key "label" twice',
    });
    expect(() => defineWorkflow({ name: 'Bad Name', run: async () => 1 })).toThrow(/lowercase words/);
  });
});
