import { createHash } from 'node:crypto';
import { defineWorkflow, type Engine, PermanentError, stepIdempotencyKey } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTriggerEngine, tokenKeys, workflowRun, workflowTag } from '../src/engines/trigger.ts';
import { FakeTrigger } from './trigger-platform.ts';

/**
 * The Trigger.dev adapter at the SDK's boundary: the real @trigger.dev/sdk on both sides, against a fake of
 * the platform's HTTP API (msw) whose run engine executes the tasks' run functions in the SDK's mock task
 * context, suspending them on waitpoints as the real runtime does.
 */
const HUB_KEY = 'tr_dev_hub_side_key';
const TASK_KEY = 'tr_dev_run_side_key';
const platform = new FakeTrigger('https://trigger.test', { timeScale: 0.01 });
const server = setupServer(...platform.handlers);
let engine: Engine;

const ran: string[] = [];
const attempts: { key: string; attempt: number }[] = [];
let flaky = 0;
let broken = false;
let crashIn: string | undefined;
const crashHere = (key: string) => {
  if (crashIn !== key) return;
  crashIn = undefined;
  platform.crash();
  return new Promise<never>(() => {});
};

const charge = defineWorkflow({
  name: 'charge',
  async run(ctx, input: { amount: number }) {
    const intent = await ctx.step('create-intent', async ({ idempotencyKey }) => {
      ran.push(`${ctx.workflowId}:create-intent`);
      return { id: `pi_${input.amount}`, idempotencyKey };
    });
    const at = await ctx.now('charged-at');
    const captured = await ctx.step(
      'capture',
      async ({ idempotencyKey, attempt }) => {
        ran.push(`${ctx.workflowId}:capture`);
        attempts.push({ key: idempotencyKey, attempt });
        await crashHere('capture');
        if (flaky-- > 0) throw new Error('503 from the payment service');
        if (broken) throw new PermanentError('the card was declined');
        return { captured: input.amount };
      },
      { retry: { attempts: 4, initialDelayMs: 5 } },
    );
    await ctx.step('receipt', async () => {
      ran.push(`${ctx.workflowId}:receipt`);
    });
    return { intent, captured, at: at.toISOString() };
  },
});

const waiter = defineWorkflow({
  name: 'waiter',
  async run(ctx) {
    const early = await ctx.waitForSignal<{ status: string }>('tracking', { timeoutMs: 0 });
    const first = await ctx.waitForSignal<{ status: string }>('tracking', { timeoutMs: 60_000 });
    const second = await ctx.waitForSignal<{ status: string }>('tracking', { timeoutMs: 1_000 });
    await ctx.step('after-wait', async () => ran.push(`${ctx.workflowId}:after-wait`));
    await crashHere('waiter');
    return { early: early ?? 'nothing yet', first, second: second ?? 'timed out' };
  },
});

const sleeper = defineWorkflow({
  name: 'sleeper',
  async run(ctx) {
    await ctx.sleep('cool-off', 60_000);
    await ctx.step('after-sleep', async () => {
      ran.push(`${ctx.workflowId}:after-sleep`);
      await crashHere('after-sleep');
    });
    return 'rested';
  },
});

const careless = defineWorkflow({
  name: 'careless',
  async run(ctx) {
    await ctx.step('label', async () => 1);
    await ctx.step('label', async () => 2);
  },
});

beforeAll(() => {
  // What Trigger.dev injects into a run's environment; the hub side passes its own key explicitly.
  process.env.TRIGGER_API_URL = platform.baseURL;
  process.env.TRIGGER_SECRET_KEY = TASK_KEY;
  server.listen({ onUnhandledRequest: 'error' });
  for (const workflow of [charge, waiter, sleeper, careless]) {
    platform.register(
      workflow.name,
      workflowRun(() => workflow),
    );
  }
  engine = createTriggerEngine({
    accessToken: HUB_KEY,
    baseURL: platform.baseURL,
    workflows: ['charge', 'waiter', 'sleeper', 'careless'],
    pollMs: 10,
  });
});

afterAll(() => server.close());

beforeEach(() => {
  ran.length = 0;
  attempts.length = 0;
  flaky = 0;
  broken = false;
  crashIn = undefined;
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hubCalls = () => platform.requests.filter((r) => r.authorization === `Bearer ${HUB_KEY}`);

describe('the hub side (createTriggerEngine)', () => {
  it('starts a task once per workflow id, under the id as a global idempotency key and a tag', async () => {
    const before = platform.calls('POST', /\/trigger$/).length;
    await engine.start('charge', { amount: 1200 }, { workflowId: 'wf-start' });
    await engine.start('charge', { amount: 1200 }, { workflowId: 'wf-start' });
    const triggers = platform.calls('POST', /^\/api\/v1\/tasks\/charge\/trigger$/).slice(before);
    expect(triggers).toHaveLength(1);
    const body = triggers[0]!.body as { payload: string; options: Record<string, unknown> };
    expect(JSON.parse(body.payload)).toEqual({ json: { workflowId: 'wf-start', input: { amount: 1200 } } });
    expect(body.options).toMatchObject({
      payloadType: 'application/super+json',
      idempotencyKey: sha256('wf-start'),
      idempotencyKeyTTL: '365d',
      idempotencyKeyOptions: { key: 'wf-start', scope: 'global' },
      tags: ['workflow:wf-start'],
    });
    expect(triggers[0]!.authorization).toBe(`Bearer ${HUB_KEY}`);
    const status = await engine.settled('wf-start');
    expect(status).toMatchObject({ workflowId: 'wf-start', name: 'charge', state: 'succeeded' });
    await expect(engine.start('refund', {}, { workflowId: 'x' })).rejects.toThrow(/no workflow "refund"/);
  });

  it('answers no-such-workflow and no status for an id no run has', async () => {
    expect(await engine.signal('wf-nobody', 'tracking', {}, { dedupeKey: 'evt_1' })).toBe('no-such-workflow');
    expect(await engine.status('wf-nobody')).toBeUndefined();
    expect(
      platform
        .calls('POST', /\/waitpoints\/tokens$/)
        .filter((r) => JSON.stringify(r.body).includes('wf-nobody')),
    ).toHaveLength(0);
  });

  it('names a long workflow id by a hash in its tag, within the 128 characters Trigger.dev allows', () => {
    const id = `order:${'x'.repeat(200)}`;
    expect(workflowTag(id)).toBe(`workflow:${sha256(id)}`);
    expect(workflowTag('order:1')).toBe('workflow:order:1');
  });
});

describe('steps', () => {
  it('runs each step once: after a crash in a step, the steps before return their records', async () => {
    crashIn = 'capture';
    await engine.start('charge', { amount: 500 }, { workflowId: 'wf-crash' });
    const status = await engine.settled('wf-crash');
    expect(status.state).toBe('succeeded');
    const output = status.output as { intent: { id: string; idempotencyKey: string }; at: string };
    expect(output).toMatchObject({ intent: { id: 'pi_500' }, captured: { captured: 500 } });
    expect(ran).toEqual([
      'wf-crash:create-intent',
      'wf-crash:capture',
      'wf-crash:capture',
      'wf-crash:receipt',
    ]);
    // The step body that was cut off ran again with the same key, as its first attempt of the new run attempt.
    expect(attempts).toEqual([
      { key: 'wf-crash/capture', attempt: 1 },
      { key: 'wf-crash/capture', attempt: 1 },
    ]);
    const run = [...platform.runs.values()].find((r) => r.tags.includes('workflow:wf-crash'))!;
    expect(run.attemptCount).toBe(2);
    // Each step's record is one token, keyed by the workflow and the step, created by the first attempt and
    // found again by the second; `now` is recorded the same way and came back unchanged.
    const intentKey = tokenKeys.step('wf-crash', 'create-intent');
    const creates = platform.calls('POST', /^\/api\/v1\/waitpoints\/tokens$/);
    expect(
      creates.filter((r) => (r.body as { idempotencyKey: string }).idempotencyKey === intentKey),
    ).toHaveLength(2);
    expect([...platform.waitpoints.values()].filter((w) => w.idempotencyKey === intentKey)).toHaveLength(1);
    const atToken = [...platform.waitpoints.values()].find(
      (w) => w.idempotencyKey === tokenKeys.step('wf-crash', 'charged-at'),
    )!;
    expect(JSON.parse(atToken.output!)).toEqual({ value: output.at });
    expect(tokenKeys.step('wf-crash', 'capture')).toBe(
      `switchyard:step:${stepIdempotencyKey('wf-crash', 'capture')}`,
    );
    // The run side used the environment's key, never the hub's.
    const runSide = platform.requests.filter(
      (r) => r.path.startsWith('/api/v1/waitpoints') && r.authorization === `Bearer ${TASK_KEY}`,
    );
    expect(runSide.length).toBeGreaterThan(0);
  });

  it('retries a failing step under one idempotency key, in the same attempt of the run', async () => {
    flaky = 2;
    await engine.start('charge', { amount: 700 }, { workflowId: 'wf-flaky' });
    expect((await engine.settled('wf-flaky')).state).toBe('succeeded');
    expect(attempts).toEqual([1, 2, 3].map((attempt) => ({ key: 'wf-flaky/capture', attempt })));
    const run = [...platform.runs.values()].find((r) => r.tags.includes('workflow:wf-flaky'))!;
    expect(run.attemptCount).toBe(1);
  });

  it('fails the run at once on a permanent error, and replay goes on from the failed step', async () => {
    broken = true;
    await engine.start('charge', { amount: 900 }, { workflowId: 'wf-declined' });
    const failed = await engine.settled('wf-declined');
    expect(failed).toMatchObject({ state: 'failed', error: 'the card was declined' });
    expect(attempts).toHaveLength(1); // never retried, neither the step nor the run
    const first = [...platform.runs.values()].find((r) => r.tags.includes('workflow:wf-declined'))!;
    expect(first.attemptCount).toBe(1);
    // A start of the failed id leaves it as it is.
    await engine.start('charge', { amount: 900 }, { workflowId: 'wf-declined' });
    expect((await engine.status('wf-declined'))?.state).toBe('failed');

    broken = false;
    await engine.replay('wf-declined');
    const replay = platform.calls('POST', /\/replay$/).at(-1)!;
    expect(replay.path).toBe(`/api/v1/runs/${first.id}/replay`);
    expect(replay.body).toMatchObject({
      tags: ['workflow:wf-declined'],
      idempotencyKey: sha256('wf-declined'),
    });
    const done = await engine.settled('wf-declined');
    expect(done).toMatchObject({ state: 'succeeded', output: { captured: { captured: 900 } } });
    expect(ran).toEqual([
      'wf-declined:create-intent',
      'wf-declined:capture',
      'wf-declined:capture',
      'wf-declined:receipt',
    ]);
    await expect(engine.replay('wf-declined')).rejects.toThrow(/completed, not failed: nothing to replay/);
  });

  it('fails a workflow that uses a step key twice, naming it', async () => {
    await engine.start('careless', {}, { workflowId: 'wf-careless' });
    const status = await engine.settled('wf-careless');
    expect(status).toMatchObject({
      state: 'failed',
      error: 'workflow wf-careless uses the step key "label" twice',
    });
  });

  it("retries the run when the platform's API fails under a step, resuming over the records", async () => {
    platform.faults.push({
      method: 'POST',
      path: /^\/api\/v1\/waitpoints\/tokens\/[^/]+\/complete$/,
      status: 422,
    });
    await engine.start('charge', { amount: 300 }, { workflowId: 'wf-fault' });
    const status = await engine.settled('wf-fault');
    expect(status.state).toBe('succeeded');
    const run = [...platform.runs.values()].find((r) => r.tags.includes('workflow:wf-fault'))!;
    expect(run.attemptCount).toBe(2);
    // The first step's record never completed, so it ran again; nothing else ran twice.
    expect(ran).toEqual([
      'wf-fault:create-intent',
      'wf-fault:create-intent',
      'wf-fault:capture',
      'wf-fault:receipt',
    ]);
  });
});

describe('signals', () => {
  it('keeps a signal sent before the wait, drops a repeated dedupe key, wakes a waiting run, times out', async () => {
    await engine.start('waiter', {}, { workflowId: 'wf-wait' });
    // The run looks (timeout 0) and finds nothing, then suspends on the next token of the topic.
    await until(() =>
      [...platform.runs.values()].some((r) => r.tags.includes('workflow:wf-wait') && r.status === 'WAITING'),
    );
    const before = platform.calls('POST', /\/complete$/).length;
    expect(await engine.signal('wf-wait', 'tracking', { status: 'in_transit' }, { dedupeKey: 'evt_1' })).toBe(
      'delivered',
    );
    expect(await engine.signal('wf-wait', 'tracking', { status: 'in_transit' }, { dedupeKey: 'evt_1' })).toBe(
      'delivered',
    );
    // The first token was closed by the look; the second took the signal; the repeat completed nothing.
    const completes = platform
      .calls('POST', /\/complete$/)
      .slice(before)
      .filter((r) => r.authorization === `Bearer ${HUB_KEY}`);
    expect(completes).toHaveLength(1);
    expect(completes[0]!.body).toEqual({ data: { dedupeKey: 'evt_1', payload: { status: 'in_transit' } } });
    const status = await engine.settled('wf-wait');
    expect(status).toMatchObject({
      state: 'succeeded',
      output: { early: 'nothing yet', first: { status: 'in_transit' }, second: 'timed out' },
    });
    const third = [...platform.waitpoints.values()].find(
      (w) => w.idempotencyKey === tokenKeys.signal('wf-wait', 'tracking', 3),
    )!;
    expect(third.status).toBe('TIMED_OUT');
    // A signal after the timeout goes to a fourth token: kept for a later wait, never to the timed-out one.
    expect(await engine.signal('wf-wait', 'tracking', { status: 'late' }, { dedupeKey: 'evt_2' })).toBe(
      'delivered',
    );
    const fourth = [...platform.waitpoints.values()].find(
      (w) => w.idempotencyKey === tokenKeys.signal('wf-wait', 'tracking', 4),
    )!;
    expect(JSON.parse(fourth.output!)).toEqual({ dedupeKey: 'evt_2', payload: { status: 'late' } });
  });

  it('delivers a signal once when the token it completed still reads as open (a lagging replica)', async () => {
    await engine.start('waiter', {}, { workflowId: 'wf-lag' });
    await until(() =>
      [...platform.runs.values()].some((r) => r.tags.includes('workflow:wf-lag') && r.status === 'WAITING'),
    );
    platform.staleReads = 1;
    expect(
      await engine.signal('wf-lag', 'tracking', { status: 'in_transit' }, { dedupeKey: 'evt_lag' }),
    ).toBe('delivered');
    expect(await engine.settled('wf-lag')).toMatchObject({
      state: 'succeeded',
      output: { first: { status: 'in_transit' }, second: 'timed out' },
    });
    const holding = [...platform.waitpoints.values()].filter(
      (w) => w.idempotencyKey?.startsWith('switchyard:signal:wf-lag/') && w.output?.includes('evt_lag'),
    );
    expect(holding).toHaveLength(1);
  });

  it('delivers signals sent before the run waits, in order, and a crash after them reads the same ones', async () => {
    platform.pause(); // the run is queued, not yet picked up by a worker
    await engine.start('waiter', {}, { workflowId: 'wf-early' });
    expect((await engine.status('wf-early'))?.state).toBe('queued');
    crashIn = 'waiter';
    // Sent before the run has made any token: the hub creates them under the same keys the waits will use.
    expect(await engine.signal('wf-early', 'tracking', { status: 'pre_transit' }, { dedupeKey: 'a' })).toBe(
      'delivered',
    );
    expect(await engine.signal('wf-early', 'tracking', { status: 'in_transit' }, { dedupeKey: 'b' })).toBe(
      'delivered',
    );
    expect(await engine.signal('wf-early', 'tracking', { status: 'delivered' }, { dedupeKey: 'c' })).toBe(
      'delivered',
    );
    const hubCreates = hubCalls().filter((r) => r.path === '/api/v1/waitpoints/tokens');
    expect(hubCreates.map((r) => (r.body as { idempotencyKey: string }).idempotencyKey)).toContain(
      tokenKeys.signal('wf-early', 'tracking', 3),
    );
    platform.resume();
    const status = await engine.settled('wf-early');
    expect(status).toMatchObject({
      state: 'succeeded',
      output: {
        early: { status: 'pre_transit' },
        first: { status: 'in_transit' },
        second: { status: 'delivered' },
      },
    });
    const run = [...platform.runs.values()].find((r) => r.tags.includes('workflow:wf-early'))!;
    expect(run.attemptCount).toBe(2);
    expect(ran).toEqual(['wf-early:after-wait']);
  });
});

describe('sleep', () => {
  it('sleeps on a datetime waitpoint keyed by the step, found again after a crash instead of slept again', async () => {
    crashIn = 'after-sleep';
    const began = Date.now();
    await engine.start('sleeper', {}, { workflowId: 'wf-sleep' });
    expect(await engine.settled('wf-sleep')).toMatchObject({ state: 'succeeded', output: 'rested' });
    const waits = platform.calls('POST', /\/wait\/duration$/);
    const mine = waits.filter(
      (r) =>
        (r.body as { idempotencyKey?: string }).idempotencyKey === tokenKeys.sleep('wf-sleep', 'cool-off'),
    );
    expect(mine).toHaveLength(2); // once per attempt
    const until = new Date((mine[0]!.body as { date: string }).date).getTime();
    expect(until - began).toBeGreaterThanOrEqual(60_000);
    expect(until - began).toBeLessThan(70_000);
    expect(
      [...platform.waitpoints.values()].filter(
        (w) => w.type === 'DATETIME' && w.idempotencyKey === tokenKeys.sleep('wf-sleep', 'cool-off'),
      ),
    ).toHaveLength(1);
    expect(ran).toEqual(['wf-sleep:after-sleep', 'wf-sleep:after-sleep']);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
