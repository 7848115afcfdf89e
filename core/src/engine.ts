import { createHash } from 'node:crypto';

/**
 * The durable-execution boundary. Workflows are written against these types only; an engine adapter
 * (DBOS Transact embedded, Trigger.dev) runs them. Semantics every adapter keeps:
 *
 * - After a crash the workflow function runs again from the top; every `step`, `sleep`, `waitForSignal`
 *   and `now` already done returns what it returned the first time, without running again. So the
 *   workflow's own code must be deterministic: anything that varies (time, ids, vendor calls) is a step.
 * - A step's body runs at least once; its effect happens once because it passes `idempotencyKey` (derived
 *   from the workflow id and the step's key, the same on every retry and every recovery) to the vendor.
 * - Starting a workflow id that exists returns the existing run; a signal with a dedupe key already
 *   delivered to that workflow is dropped.
 * - A step may register an undo once it succeeded; `compensate` runs them, last first, each a step of its
 *   own (`withCompensation` gives every adapter the same implementation over its durable steps).
 */

/** How a failing step is retried before the workflow gives up on it. */
export interface StepRetry {
  /** Attempts in all, the first included (the adapters' default: 12, about an hour from 1 s doubling). */
  attempts?: number;
  /** Wait before the second attempt (default 1,000 ms); each next wait is `backoff` times longer. */
  initialDelayMs?: number;
  /** Growth of the wait (default 2). */
  backoff?: number;
  /** Whether an error is worth another attempt (default: every error). A false answer fails the step at once. */
  retryable?: (error: unknown) => boolean;
}

/** What a step body gets. */
export interface StepContext {
  /** Derived from (workflow id, step key): the same on every attempt and after every recovery. */
  idempotencyKey: string;
  /** 1 on the first attempt. */
  attempt: number;
}

/**
 * What undoes a step's effect, registered by the step once it succeeded (`compensate` in its options) and run
 * by `WorkflowContext.compensate`, as a checkpointed step of its own under `key`.
 */
export interface Undo<T = unknown> {
  /** The undo's own step key, unique within the workflow: its idempotency key with the vendor derives from it. */
  key: string;
  /** What it does, in words (e.g. "void the label"): how it is named when it fails and is left for a person. */
  what: string;
  /**
   * Takes the place, in the order of undoing, of the undo registered under this key (a capture turns
   * "release the authorization" into "refund the capture", still undone where the money was first committed).
   */
  replaces?: string;
  retry?: StepRetry;
  /** The undo itself. Without it the undo is a person's (no system can do it): it is only named in `left`. */
  run?(step: StepContext & { reason: string }): Promise<T>;
  /**
   * Read once the undo has run and been recorded: an error answered here ends the compensation, thrown by
   * `compensate` with the undos after it not run (e.g. the parcel is with the carrier: the rest is a person's).
   */
  stop?(result: T, reason: string): Error | undefined;
  /**
   * Runs even when an undo after it (in the order of undoing) stopped the compensation: the hub's own
   * bookkeeping (stock held for the order), which must not stay behind because a parcel could not be called back.
   */
  always?: boolean;
}

export interface StepOptions<T> {
  retry?: StepRetry;
  /** The step's undo, given its result once it succeeded (undefined: nothing to undo). */
  // biome-ignore lint/suspicious/noExplicitAny: an undo's result is its own business
  compensate?: (result: T) => Undo<any> | undefined;
}

/** What `compensate` did: the keys of the undos done, and what is left for a person, in words. */
export interface Compensation {
  undone: string[];
  left: string[];
}

export interface WorkflowContext {
  readonly workflowId: string;
  /**
   * Runs `body` as a checkpointed step named `key` (unique within the workflow), retrying by `retry`.
   * Its result must be JSON-serializable. After the last attempt the step's error is thrown. Once it has
   * succeeded (now, or recorded before a recovery) its `compensate` undo is registered.
   */
  step<T>(key: string, body: (step: StepContext) => Promise<T>, options?: StepOptions<T>): Promise<T>;
  /**
   * Runs the undos registered so far, the last registered first, each as a step of its own under its key (so
   * after a crash the undos done are not done again and the one cut off runs again under the same idempotency
   * key). An undo that fails does not keep the others from running: it is named in `left`. `reason` is handed
   * to each undo. The registrations are then cleared.
   */
  compensate(reason: string): Promise<Compensation>;
  /** A durable sleep: after a crash only what is left of it is slept. */
  sleep(key: string, ms: number): Promise<void>;
  /**
   * Waits for a signal on `topic` sent to this workflow (sent before or after the wait began), at most
   * `timeoutMs`; undefined when the time ran out.
   */
  waitForSignal<T>(topic: string, options: { timeoutMs: number }): Promise<T | undefined>;
  /** The time, recorded: the same after a recovery. */
  now(key: string): Promise<Date>;
}

export interface WorkflowDefinition<Input, Output> {
  /** Stable name: runs are recovered by it, so renaming one strands its running workflows. */
  name: string;
  run(context: WorkflowContext, input: Input): Promise<Output>;
}

/** An adapter's context before compensation: steps, sleeps, waits and time, each durable. */
export type DurableContext = Omit<WorkflowContext, 'step' | 'compensate'> & {
  step<T>(key: string, body: (step: StepContext) => Promise<T>, options?: { retry?: StepRetry }): Promise<T>;
};

/**
 * Compensation over an adapter's durable steps, the same for every engine: the registry of undos is rebuilt
 * as the workflow runs again from the top (each step, recorded or not, registers its undo once it has a
 * result), so it needs no record of its own; each undo is a durable step under its own key.
 */
export function withCompensation(durable: DurableContext): WorkflowContext {
  // biome-ignore lint/suspicious/noExplicitAny: undos of any result
  let undos: Undo<any>[] = [];
  return {
    workflowId: durable.workflowId,
    sleep: (key, ms) => durable.sleep(key, ms),
    waitForSignal: (topic, options) => durable.waitForSignal(topic, options),
    now: (key) => durable.now(key),
    async step(key, body, options) {
      const result = await durable.step(key, body, options?.retry ? { retry: options.retry } : undefined);
      const undo = options?.compensate?.(result);
      if (undo) {
        const at = undo.replaces ? undos.findIndex((u) => u.key === undo.replaces) : -1;
        if (at >= 0) undos[at] = undo;
        else undos.push(undo);
      }
      return result;
    },
    async compensate(reason) {
      const todo = undos.reverse();
      undos = [];
      const done: Compensation = { undone: [], left: [] };
      let stopped: Error | undefined;
      for (const undo of todo) {
        const run = undo.run;
        // Once stopped, only the hub's own bookkeeping is still undone.
        if (stopped && !undo.always) continue;
        if (!run) {
          done.left.push(undo.what);
          continue;
        }
        let result: unknown;
        try {
          result = await durable.step(
            undo.key,
            (step) => run({ ...step, reason }),
            undo.retry ? { retry: undo.retry } : undefined,
          );
        } catch (error) {
          done.left.push(`${undo.what}: ${(error as Error).message}`);
          continue;
        }
        done.undone.push(undo.key);
        stopped ??= undo.stop?.(result, reason);
      }
      if (stopped) throw stopped;
      return done;
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds workflows of any input and output
export type AnyWorkflow = WorkflowDefinition<any, any>;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Workflow and queue names: lowercase words joined by dashes, e.g. order-fulfillment. */
export function assertEngineName(what: 'workflow' | 'queue', name: string): void {
  if (!NAME.test(name)) {
    throw new Error(
      `${what} name "${name}" must be lowercase words joined by dashes, e.g. order-fulfillment`,
    );
  }
}

/** Declares a workflow; the name is checked here so a mistake fails at import. */
export function defineWorkflow<Input, Output>(
  definition: WorkflowDefinition<Input, Output>,
): WorkflowDefinition<Input, Output> {
  assertEngineName('workflow', definition.name);
  return definition;
}

export type WorkflowState = 'pending' | 'queued' | 'succeeded' | 'failed' | 'cancelled';

export interface WorkflowStatus {
  workflowId: string;
  name: string;
  state: WorkflowState;
  /** The failed step's error, when `state` is failed. */
  error?: string;
  output?: unknown;
}

/**
 * A queue workflows are started on: it bounds how many of them run at once and how fast they start, across
 * every hub process sharing the engine (and so how hard they press on the vendors their steps call). A
 * queued workflow is taken up by whichever process has room.
 */
export interface QueueSpec {
  /** Lowercase words joined by dashes. */
  name: string;
  /** At most this many of its workflows running at once, in all processes together. */
  concurrency?: number;
  /** At most this many in any one process. */
  perProcessConcurrency?: number;
  /** At most `limit` starts in any `periodMs`, in all processes together. */
  rateLimit?: { limit: number; periodMs: number };
}

/** One workflow to start: its input, its id, and the queue it waits on (see `Engine.start`). */
export interface WorkflowStart<Input = unknown> {
  input: Input;
  workflowId: string;
  queue?: string;
}

/**
 * `Engine.startMany` for an engine that starts one workflow per call: at most `concurrency` calls at once, so
 * a batch costs about its longest call per `concurrency` workflows, not the sum of them.
 */
export async function startConcurrently<Input>(
  starts: readonly WorkflowStart<Input>[],
  start: (one: WorkflowStart<Input>) => Promise<void>,
  concurrency = 8,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  // After a failure no further start begins, and the error is thrown once those under way have ended (a
  // caller's transaction must not end with calls still running).
  const lane = async () => {
    while (!failure && next < starts.length) {
      const one = starts[next++]!;
      try {
        await start(one);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, starts.length) }, lane));
  if (failure) throw failure.error;
}

/**
 * What an engine adapter tells about the workflows it runs, for the hub's metrics. Every hook is optional and
 * a hook that throws is ignored (`observeStarts`, `observeRun`, `observeStep` below are how adapters call them).
 */
export interface EngineObserver {
  /** `count` workflows of `workflow` were asked to start (an id that already ran is counted too). */
  started?(workflow: string, count: number): void;
  /** A run ended in this process: it returned, or it threw (a failed step's error, a cancellation). */
  ended?(run: {
    workflow: string;
    workflowId: string;
    outcome: 'succeeded' | 'failed';
    durationMs: number;
  }): void;
  /**
   * Runs around each execution of a step's body, its retries included (a step replayed from its checkpoint
   * is not executed, so not observed). It must call `run` once and answer what it answers (or throw what it
   * throws); it may run it in an async context of its own (to learn which vendors the step called).
   */
  step?<T>(step: { workflow: string; key: string }, run: () => Promise<T>): Promise<T>;
}

/** Tells the observer about starts, ignoring its failure. */
export function observeStarts(observer: EngineObserver | undefined, workflow: string, count: number): void {
  if (!count) return;
  try {
    observer?.started?.(workflow, count);
  } catch {
    // The observer's failure is its own.
  }
}

/** Runs a workflow's function, telling the observer how it ended. */
export async function observeRun<T>(
  observer: EngineObserver | undefined,
  run: { workflow: string; workflowId: string },
  body: () => Promise<T>,
): Promise<T> {
  if (!observer?.ended) return body();
  const began = performance.now();
  let outcome: 'succeeded' | 'failed' = 'failed';
  try {
    const result = await body();
    outcome = 'succeeded';
    return result;
  } finally {
    try {
      observer.ended({ ...run, outcome, durationMs: performance.now() - began });
    } catch {
      // The observer's failure is its own.
    }
  }
}

/** Runs a step's body through the observer's `step`, when it has one. */
export function observeStep<T>(
  observer: EngineObserver | undefined,
  step: { workflow: string; key: string },
  body: () => Promise<T>,
): Promise<T> {
  return observer?.step ? observer.step(step, body) : body();
}

/** An engine adapter: what the rest of the hub uses to start, signal and inspect workflows. */
export interface Engine {
  /**
   * Starts `name` under `workflowId`, at once or, with `queue` (one the engine was given), when the queue
   * has room; an existing run of that id is left as it is. An engine whose platform schedules the runs itself
   * (Trigger.dev) ignores `queue`.
   */
  start<Input>(name: string, input: Input, options: { workflowId: string; queue?: string }): Promise<void>;
  /**
   * Starts several workflows of `name`, each as `start` would (an existing id is left as it is). An engine
   * that can record them in one write does (DBOS: the queued ones in one transaction); the others start them
   * a few at a time (`startConcurrently`). When it throws, some may have started: starting them again is safe.
   */
  startMany<Input>(name: string, starts: readonly WorkflowStart<Input>[]): Promise<void>;
  /**
   * Sends `payload` to the workflow's `topic`; a second signal with the same `dedupeKey` is dropped.
   * Answers `no-such-workflow` when no workflow has that id (the caller keeps the signal for later).
   */
  signal(
    workflowId: string,
    topic: string,
    payload: unknown,
    options: { dedupeKey: string },
  ): Promise<'delivered' | 'no-such-workflow'>;
  status(workflowId: string): Promise<WorkflowStatus | undefined>;
  /** Waits for the workflow to end and returns its status (for tests and the CLI). */
  settled(workflowId: string, options?: { timeoutMs?: number }): Promise<WorkflowStatus>;
  /** Runs a failed workflow again from the step that failed; earlier steps keep their results. */
  replay(workflowId: string): Promise<void>;
  stop(): Promise<void>;
}

/** `Engine.settled` for an adapter that can only look: the status every `pollMs` until it is no longer running. */
export async function pollUntilSettled(
  statusOf: (workflowId: string) => Promise<WorkflowStatus | undefined>,
  workflowId: string,
  { timeoutMs = 60_000, pollMs = 50 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<WorkflowStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(workflowId);
    if (!status) throw new Error(`no workflow ${workflowId}`);
    if (status.state !== 'pending' && status.state !== 'queued') return status;
    if (Date.now() > deadline) {
      throw new Error(`workflow ${workflowId} is still ${status.state} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * The idempotency key of a workflow's step, as vendors get it: readable, and within every vendor's length
 * limit (Stripe allows 255 characters): long ids are shortened with a hash of the whole.
 */
export function stepIdempotencyKey(workflowId: string, stepKey: string): string {
  const key = `${workflowId}/${stepKey}`;
  if (key.length <= 200) return key;
  return `${key.slice(0, 160)}~${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}
