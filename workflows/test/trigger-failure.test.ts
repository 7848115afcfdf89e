import { defineWorkflow, type Engine } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTriggerEngine, workflowRun } from '../src/engines/trigger.ts';
import { FakeTrigger } from './trigger-platform.ts';

/**
 * On Trigger.dev too, a step that ran out of attempts fails the workflow with its own error's message (core's
 * retry loop, as on DBOS), at the SDK's boundary (see trigger.test.ts).
 */
const platform = new FakeTrigger('https://trigger.test', { timeScale: 0.01 });
const server = setupServer(...platform.handlers);
let engine: Engine;

class CarrierRefusal extends Error {
  override name = 'CarrierRefusal';
}
const attempts: number[] = [];
const refused = defineWorkflow({
  name: 'refused',
  async run(ctx) {
    return ctx.step(
      'buy-label',
      async ({ attempt }) => {
        attempts.push(attempt);
        throw new CarrierRefusal(`the carrier refused the address (attempt ${attempt})`);
      },
      { retry: { attempts: 3, initialDelayMs: 5 } },
    );
  },
});

beforeAll(() => {
  process.env.TRIGGER_API_URL = platform.baseURL;
  process.env.TRIGGER_SECRET_KEY = 'tr_dev_run_side_key';
  server.listen({ onUnhandledRequest: 'error' });
  platform.register(
    refused.name,
    workflowRun(() => refused),
  );
  engine = createTriggerEngine({
    accessToken: 'tr_dev_hub_side_key',
    baseURL: platform.baseURL,
    workflows: ['refused'],
    pollMs: 10,
  });
});
afterAll(() => server.close());

it('fails the run with the last attempt’s own message, once, without the platform retrying it', async () => {
  await engine.startMany('refused', [
    { input: {}, workflowId: 'wf-refused-1' },
    { input: {}, workflowId: 'wf-refused-1' },
  ]);
  expect(await engine.settled('wf-refused-1')).toMatchObject({
    state: 'failed',
    error: 'the carrier refused the address (attempt 3)',
  });
  expect(attempts).toEqual([1, 2, 3]);
  const runs = [...platform.runs.values()].filter((r) => r.tags.includes('workflow:wf-refused-1'));
  expect(runs.map((r) => r.attemptCount)).toEqual([1]);
});
