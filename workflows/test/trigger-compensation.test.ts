import { defineWorkflow, type Engine, type Undo } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTriggerEngine, tokenKeys, workflowRun } from '../src/engines/trigger.ts';
import { FakeTrigger } from './trigger-platform.ts';

/**
 * Compensation on the Trigger.dev adapter, at the SDK's boundary (see trigger.test.ts): each undo is a step
 * token of its own, so an attempt that crashes during the compensation is retried over the records: the undo
 * done is found completed, the one cut off runs again under the same idempotency key.
 */
const platform = new FakeTrigger('https://trigger.test', { timeScale: 0.01 });
const server = setupServer(...platform.handlers);
let engine: Engine;

const ran: string[] = [];
let crashIn: string | undefined;

const cancelled = defineWorkflow({
  name: 'cancelled',
  async run(ctx) {
    const undo = (key: string, extra: Partial<Undo> = {}): Undo => ({
      key,
      what: `undo ${key}`,
      async run({ idempotencyKey, reason }) {
        ran.push(`${key}:${idempotencyKey}:${reason}`);
        if (crashIn === key) {
          crashIn = undefined;
          platform.crash();
          await new Promise<never>(() => {});
        }
        if (key === 'void-label' && ctx.workflowId === 'wf-refused') throw new Error('the carrier refused');
        return key;
      },
      ...extra,
    });
    await ctx.step('authorize', async () => 'auth', { compensate: () => undo('release') });
    await ctx.step('invoice', async () => 'inv', {
      compensate: () => ({ key: 'void-invoice', what: 'void it' }),
    });
    await ctx.step('label', async () => 'lbl', {
      compensate: () => undo('void-label', { retry: { attempts: 1 } }),
    });
    await ctx.step('capture', async () => 'cap', {
      compensate: () => undo('refund', { replaces: 'release' }),
    });
    return ctx.compensate('cancelled on the channel');
  },
});

beforeAll(() => {
  process.env.TRIGGER_API_URL = platform.baseURL;
  process.env.TRIGGER_SECRET_KEY = 'tr_dev_run_side_key';
  server.listen({ onUnhandledRequest: 'error' });
  platform.register(
    cancelled.name,
    workflowRun(() => cancelled),
  );
  engine = createTriggerEngine({
    accessToken: 'tr_dev_hub_side_key',
    baseURL: platform.baseURL,
    workflows: ['cancelled'],
    pollMs: 10,
  });
});
afterAll(() => server.close());

it('compensates last registered first, and a crash during it neither repeats nor skips an undo', async () => {
  crashIn = 'refund';
  await engine.start('cancelled', {}, { workflowId: 'wf-undo' });
  expect(await engine.settled('wf-undo')).toMatchObject({
    state: 'succeeded',
    output: { undone: ['void-label', 'refund'], left: ['void it'] },
  });
  // The label first; the refund (in the release's place) cut off by the crash and run again, same key.
  expect(ran.splice(0)).toEqual([
    'void-label:wf-undo/void-label:cancelled on the channel',
    'refund:wf-undo/refund:cancelled on the channel',
    'refund:wf-undo/refund:cancelled on the channel',
  ]);
  const run = [...platform.runs.values()].find((r) => r.tags.includes('workflow:wf-undo'))!;
  expect(run.attemptCount).toBe(2);
  // Each undo's record is one token keyed by the workflow and the undo's key.
  for (const key of ['void-label', 'refund']) {
    const tokens = [...platform.waitpoints.values()].filter(
      (w) => w.idempotencyKey === tokenKeys.step('wf-undo', key),
    );
    expect(tokens.map((t) => [t.status, JSON.parse(t.output!)])).toEqual([['COMPLETED', { value: key }]]);
  }
});

it('names an undo that failed and goes on with the others', async () => {
  await engine.start('cancelled', {}, { workflowId: 'wf-refused' });
  expect(await engine.settled('wf-refused')).toMatchObject({
    state: 'succeeded',
    output: { undone: ['refund'], left: ['undo void-label: the carrier refused', 'void it'] },
  });
  expect(ran.splice(0)).toEqual([
    'void-label:wf-refused/void-label:cancelled on the channel',
    'refund:wf-refused/refund:cancelled on the channel',
  ]);
});
