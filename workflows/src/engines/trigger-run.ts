import { createHash } from 'node:crypto';
import {
  type AnyWorkflow,
  abortableSleep,
  describeError,
  retryStep,
  stepIdempotencyKey,
  type WorkflowContext,
  withCompensation,
} from '@switchyard/core';
import { AbortTaskRunError, task, wait } from '@trigger.dev/sdk';

/**
 * The managed engine: each workflow is a Trigger.dev v4 task; the hub starts, signals and inspects its runs
 * through Trigger.dev's API.
 *
 * Inside a run the engine interface maps to waitpoints, which Trigger.dev keeps for good:
 * - `step`: a waitpoint token per (workflow id, step key) is the step's record. A token already completed
 *   holds the step's result and the body does not run; otherwise the body runs (retried in the attempt by
 *   the step's policy) and the token is completed with the result. A child task per step cannot do this:
 *   it runs in another process, where the step body (a closure over the hub's database and connections)
 *   does not exist, and its payload would have to be the result, known only once the body has run.
 * - `sleep`: `wait.for` with an idempotency key: after a retry or a replay the same waitpoint comes back
 *   and only what is left of it is slept (longer than 5 s the run is checkpointed, not billed).
 * - `waitForSignal`: the n-th wait on a topic is the token keyed (workflow id, topic, n), waited on with
 *   `wait.forToken` and created with the wait's timeout. The hub's `signal` completes the first of those
 *   tokens that is still open, so a signal sent before the wait is already there when the wait begins.
 * - `now`: a step.
 * - `compensate`: core's `withCompensation` over these steps: each undo a token of its own, found completed after
 *   a crash or a retried attempt instead of run again.
 * A workflow's failure fails the run at once (`AbortTaskRunError`): the step policies did the retrying, and
 * `replay` resumes it. A failure of the engine itself (an API call that did not go through, a crash) fails
 * the attempt instead, and Trigger.dev's task retries run it again from the top over the records.
 */
export interface TriggerTaskOptions {
  /** Task-level attempts for the engine's own failures and crashes (default 10). */
  maxAttempts?: number;
  /** Compute seconds a run may use, waits excluded (default: the project's `maxDuration`). */
  maxDuration?: number;
  /** Told after each step run: its whole time and its body's. */
  onStep?: (step: { key: string; totalMs: number; bodyMs: number }) => void;
}

/** What a workflow's task gets as payload. */
export interface WorkflowPayload {
  workflowId: string;
  input: unknown;
}

/** Every key is namespaced: token and sleep waitpoints share one idempotency index per environment. */
export const tokenKeys = {
  step: (workflowId: string, key: string) => `switchyard:step:${stepIdempotencyKey(workflowId, key)}`,
  sleep: (workflowId: string, key: string) => `switchyard:sleep:${stepIdempotencyKey(workflowId, key)}`,
  signal: (workflowId: string, topic: string, n: number) =>
    `switchyard:signal:${stepIdempotencyKey(workflowId, `${topic}#${n}`)}`,
};

/** The run tag naming the workflow id (tags are at most 128 characters: longer ids are hashed). */
export function workflowTag(workflowId: string): string {
  const tag = `workflow:${workflowId}`;
  return tag.length <= 128 ? tag : `workflow:${createHash('sha256').update(workflowId).digest('hex')}`;
}

/** What a completed signal token holds; `none` closes a wait that returned nothing. */
export type SignalRecord = { dedupeKey: string; payload: unknown } | { none: true };
/** What a completed step token holds (wrapped: a step may return undefined). */
type StepRecord = { value: unknown };

/** A failure of the engine, not of the workflow: the attempt fails and Trigger.dev runs it again. */
class EngineFault extends Error {
  constructor(what: string, cause: unknown) {
    super(`trigger.dev ${what} failed: ${describeError(cause)}`, { cause });
    this.name = 'EngineFault';
  }
}

/** Waits of 5 s or less stay in the process (the SDK does the same, with a warning each time). */
const IN_PROCESS_MS = 5_000;
/**
 * How long a step's record, a signal's token and a sleep's waitpoint stay bound to their keys. Set on each:
 * Trigger.dev's documented default for wait idempotency keys is 30 days, and orders wait longer than that.
 */
export const RECORD_TTL = '3650d';
/** Tokens of one topic a signal walks at most before it gives up (a workflow never waits this often). */
export const MAX_TOKENS = 10_000;

/** The run function of a workflow's task: the workflow over the engine interface mapped to waitpoints. */
export function workflowRun(
  load: () => AnyWorkflow | Promise<AnyWorkflow>,
  options: Pick<TriggerTaskOptions, 'onStep'> = {},
) {
  let loaded: Promise<AnyWorkflow> | undefined;
  return async (payload: WorkflowPayload): Promise<unknown> => {
    loaded ??= Promise.resolve().then(load);
    const workflow = await loaded.catch((error) => {
      loaded = undefined;
      throw new EngineFault('loading the workflow', error);
    });
    const faults: EngineFault[] = [];
    const ctx = contextOf(payload.workflowId, faults, options.onStep);
    let output: unknown;
    let failure: unknown;
    let failed = false;
    try {
      output = await workflow.run(ctx, payload.input);
    } catch (error) {
      failed = true;
      failure = error;
    }
    // An engine failure the workflow's code caught (a compensation does) still fails the attempt.
    if (faults.length) throw faults[0];
    if (failed) throw new AbortTaskRunError(describeError(failure));
    return output;
  };
}

/** A workflow as a Trigger.dev task (the task id is the workflow's name), its workflow built on first use. */
export function workflowTask(
  name: string,
  load: () => AnyWorkflow | Promise<AnyWorkflow>,
  options: TriggerTaskOptions = {},
) {
  const run = workflowRun(async () => {
    const workflow = await load();
    if (workflow.name !== name) throw new Error(`task "${name}" was given the workflow "${workflow.name}"`);
    return workflow;
  }, options);
  return task({
    id: name,
    retry: {
      maxAttempts: options.maxAttempts ?? 10,
      minTimeoutInMs: 1000,
      maxTimeoutInMs: 60_000,
      factor: 2,
    },
    ...(options.maxDuration ? { maxDuration: options.maxDuration } : {}),
    run: (payload: WorkflowPayload) => run(payload),
  });
}

/** Each workflow as a Trigger.dev task, by workflow name. */
export function triggerTasks(workflows: AnyWorkflow[], options: TriggerTaskOptions = {}) {
  const byName: Record<string, ReturnType<typeof workflowTask>> = {};
  for (const workflow of workflows) {
    if (byName[workflow.name]) throw new Error(`workflow "${workflow.name}" is given twice`);
    byName[workflow.name] = workflowTask(workflow.name, () => workflow, options);
  }
  return byName;
}

/** The engine interface inside a run, for the workflow `workflowId`. */
function contextOf(
  workflowId: string,
  faults: EngineFault[],
  onStep?: TriggerTaskOptions['onStep'],
): WorkflowContext {
  const keys = new Set<string>();
  const unique = (key: string) => {
    if (keys.has(key)) throw new Error(`workflow ${workflowId} uses the step key "${key}" twice`);
    keys.add(key);
  };
  const platform = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const fault = new EngineFault(what, error);
      faults.push(fault);
      throw fault;
    }
  };
  const pause = async (key: string | undefined, ms: number) => {
    if (ms <= 0) return;
    if (ms <= IN_PROCESS_MS) return abortableSleep(ms);
    await platform('wait.for', () =>
      wait.for({
        seconds: ms / 1000,
        ...(key ? { idempotencyKey: tokenKeys.sleep(workflowId, key), idempotencyKeyTTL: RECORD_TTL } : {}),
      }),
    );
  };
  /** The step's record: its result when it was done before, else the open token to complete. */
  const record = async (key: string) => {
    const token = await platform('wait.createToken', () =>
      wait.createToken({ idempotencyKey: tokenKeys.step(workflowId, key), idempotencyKeyTTL: RECORD_TTL }),
    );
    if (!token.isCached) return { id: token.id };
    const found = await platform('wait.retrieveToken', () => wait.retrieveToken<StepRecord>(token.id));
    return found.status === 'COMPLETED' && found.output
      ? { id: token.id, done: found.output }
      : { id: token.id };
  };
  const memo = async <T>(key: string, body: () => Promise<T>): Promise<T> => {
    const found = await record(key);
    if (found.done) return found.done.value as T;
    const value = await body();
    await platform('wait.completeToken', () => wait.completeToken<StepRecord>(found.id, { value }));
    return value;
  };
  const signals = new Map<string, number>();

  const consumed = new Map<string, Set<string>>();
  /** The n-th wait on a topic reads the n-th token, whoever created it (a signal sent before the wait). */
  const waitOnce = async (
    topic: string,
    timeoutMs: number,
  ): Promise<{ kind: 'signal'; dedupeKey: string; payload: unknown; repeat: boolean } | { kind: 'none' }> => {
    const n = (signals.get(topic) ?? 0) + 1;
    signals.set(topic, n);
    const idempotencyKey = tokenKeys.signal(workflowId, topic, n);
    // A relative timeout, in whole seconds: measured by the platform's clock, never in the past.
    const token = await platform('wait.createToken', () =>
      wait.createToken({
        idempotencyKey,
        idempotencyKeyTTL: RECORD_TTL,
        ...(timeoutMs > 0 ? { timeout: `${Math.ceil(timeoutMs / 1000)}s` } : {}),
      }),
    );
    const read = (record: SignalRecord | undefined) =>
      record && 'dedupeKey' in record
        ? {
            kind: 'signal' as const,
            dedupeKey: record.dedupeKey,
            payload: record.payload,
            repeat: consumed.get(topic)?.has(record.dedupeKey) ?? false,
          }
        : { kind: 'none' as const };
    const retrieve = () => platform('wait.retrieveToken', () => wait.retrieveToken<SignalRecord>(token.id));
    if (token.isCached) {
      const found = await retrieve();
      if (found.status === 'TIMED_OUT') return { kind: 'none' };
      if (found.status === 'COMPLETED') return read(found.output);
    }
    if (timeoutMs <= 0) {
      // A look without waiting: the token is closed with "none" unless a signal got there first; the answer is
      // taken from the platform's own record of the token, so it is the same after a retry or a replay.
      await platform('wait.completeToken', () => wait.completeToken<SignalRecord>(token.id, { none: true }));
      const result = await platform('wait.forToken', async () => wait.forToken<SignalRecord>(token.id));
      return result.ok ? read(result.output) : { kind: 'none' };
    }
    const result = await platform('wait.forToken', async () => wait.forToken<SignalRecord>(token.id));
    return result.ok ? read(result.output) : { kind: 'none' };
  };

  return withCompensation({
    workflowId,
    async step(key, body, options) {
      unique(key);
      const idempotencyKey = stepIdempotencyKey(workflowId, key);
      const began = performance.now();
      let bodyMs = 0;
      let ran = false;
      // Core's retry loop, as on DBOS (1 s doubling, 12 attempts by default; a PermanentError never retried);
      // a wait longer than 5 s between attempts is a platform wait, checkpointed rather than billed.
      const result = await memo(key, async () => {
        ran = true;
        return retryStep(
          async (attempt) => {
            const start = performance.now();
            try {
              return await body({ idempotencyKey, attempt });
            } finally {
              bodyMs += performance.now() - start;
            }
          },
          options?.retry,
          { wait: (ms) => pause(undefined, ms) },
        );
      });
      if (ran) onStep?.({ key, totalMs: performance.now() - began, bodyMs });
      return result;
    },

    async sleep(key, ms) {
      unique(key);
      await pause(key, ms);
    },

    async waitForSignal<T>(topic: string, { timeoutMs }: { timeoutMs: number }) {
      for (;;) {
        const got = await waitOnce(topic, timeoutMs);
        // A token holding a signal this run has taken already (the hub read a token stale and filled the
        // next one with the same signal): passed, and the wait goes on with the next token.
        if (got.kind === 'none') return undefined;
        if (got.repeat) continue;
        consumed.set(topic, (consumed.get(topic) ?? new Set<string>()).add(got.dedupeKey));
        return got.payload as T;
      }
    },

    async now(key) {
      unique(key);
      return new Date(await memo(key, async () => new Date().toISOString()));
    },
  });
}
