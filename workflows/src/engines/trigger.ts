import {
  abortableSleep,
  type Engine,
  pollUntilSettled,
  startConcurrently,
  type WorkflowStart,
  type WorkflowState,
  type WorkflowStatus,
} from '@switchyard/core';
import { auth, idempotencyKeys, runs, tasks, wait } from '@trigger.dev/sdk';
import {
  MAX_TOKENS,
  RECORD_TTL,
  type SignalRecord,
  tokenKeys,
  type WorkflowPayload,
  workflowTag,
} from './trigger-run.ts';

/**
 * The managed engine, hub side: starts, signals and inspects the runs of the deployed tasks through
 * Trigger.dev's API. The run side (the workflows as tasks, the engine interface over waitpoints) is in
 * `trigger-run.ts`; this module is the package's `@switchyard/workflows/trigger` entry and exports both.
 */
export {
  type TriggerTaskOptions,
  tokenKeys,
  triggerTasks,
  type WorkflowPayload,
  workflowRun,
  workflowTag,
  workflowTask,
} from './trigger-run.ts';
export interface TriggerEngineOptions {
  /** A secret key of the environment (`tr_dev_…`, `tr_prod_…`); default: TRIGGER_SECRET_KEY. */
  accessToken?: string;
  /** The API, for a self-hosted instance; default: TRIGGER_API_URL, else Trigger.dev cloud. */
  baseURL?: string;
  /** The deployed workflows' names, to refuse starting another. */
  workflows?: readonly string[];
  /** How long a workflow id stays bound to its run (default 365 days; Trigger.dev's own default is 30). */
  idempotencyKeyTTL?: string;
  /** Between looks in `settled` (default 1,000 ms). */
  pollMs?: number;
  /**
   * Where the hub keeps each workflow's run id (the hub's database). Without it the run is looked up by its
   * tag with `runs.list`, which Trigger.dev serves from a replica, late, and only for runs of the last 7
   * days: fine for tests and tools, wrong for orders that wait weeks.
   */
  runs?: RunRegistry;
}

/** The run of each workflow id, as the hub recorded it when it triggered or replayed the workflow. */
export interface RunRegistry {
  get(workflowId: string): Promise<string | undefined>;
  set(workflowId: string, runId: string): Promise<void>;
}

const STATES: Record<string, WorkflowState> = {
  PENDING_VERSION: 'queued',
  DELAYED: 'queued',
  QUEUED: 'queued',
  DEQUEUED: 'queued',
  EXECUTING: 'pending',
  WAITING: 'pending',
  COMPLETED: 'succeeded',
  CANCELED: 'cancelled',
  FAILED: 'failed',
  CRASHED: 'failed',
  SYSTEM_FAILURE: 'failed',
  TIMED_OUT: 'failed',
  EXPIRED: 'failed',
};

/**
 * The hub's side of the Trigger.dev engine: starts, signals and inspects the runs of the deployed tasks
 * through the API (the workflows run on Trigger.dev's machines, not in the hub). Holds nothing: any number
 * of hub processes may use it at once.
 */
export function createTriggerEngine(options: TriggerEngineOptions = {}): Engine {
  const config = {
    ...(options.accessToken ? { accessToken: options.accessToken } : {}),
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
  };
  const api = <T>(call: () => Promise<T>): Promise<T> => auth.withAuth(config, call) as Promise<T>;
  const ttl = options.idempotencyKeyTTL ?? '365d';
  const startKey = (workflowId: string) => idempotencyKeys.create(workflowId, { scope: 'global' });

  /** The workflow's current run (a replay is a newer run): the registry's, or the newest with its tag. */
  const latestId = async (workflowId: string) =>
    options.runs
      ? options.runs.get(workflowId)
      : (await api(async () => (await runs.list({ tag: workflowTag(workflowId), limit: 1 })).data[0]))?.id;
  const latest = async (workflowId: string) => {
    const id = await latestId(workflowId);
    return id ? api(() => runs.retrieve(id)) : undefined;
  };

  const statusOf = async (workflowId: string): Promise<WorkflowStatus | undefined> => {
    const run = await latest(workflowId);
    if (!run) return undefined;
    const state = STATES[run.status] ?? 'pending';
    return {
      workflowId,
      name: run.taskIdentifier,
      state,
      ...(state === 'failed'
        ? { error: run.error?.message ?? `the run ${run.id} ended ${run.status.toLowerCase()}` }
        : {}),
      ...(state === 'succeeded' ? { output: run.output } : {}),
    };
  };

  const startOne = async (name: string, { input, workflowId }: WorkflowStart) => {
    if (options.workflows && !options.workflows.includes(name)) {
      throw new Error(`no workflow "${name}"; deployed: ${options.workflows.join(', ') || 'none'}`);
    }
    // A run that ended keeps the id (a failed run drops its idempotency key on Trigger.dev, so the key
    // alone would start it again); the key covers two hubs starting the same id at once.
    if (await latestId(workflowId)) return;
    const payload: WorkflowPayload = { workflowId, input };
    const handle = await api(async () =>
      tasks.trigger(name, payload, {
        idempotencyKey: await startKey(workflowId),
        idempotencyKeyTTL: ttl,
        tags: [workflowTag(workflowId)],
      }),
    );
    await options.runs?.set(workflowId, handle.id);
  };

  return {
    start: (name, input, { workflowId }) => startOne(name, { input, workflowId }),

    // Each run is looked up in the registry before it is triggered, one by one; a few at a time.
    startMany: (name, starts) => startConcurrently(starts, (one) => startOne(name, one)),

    async signal(workflowId, topic, payload, { dedupeKey }) {
      if (!(await latestId(workflowId))) return 'no-such-workflow';
      // The topic's tokens form the workflow's mailbox: the first one still open takes the signal, closed
      // ones are passed (a signal delivered, a wait that timed out or looked and found nothing), and one
      // that holds this dedupe key means it was delivered before. Token reads come from a replica and may be
      // late: a token is never passed while it reads as open, and after completing one the hub reads it
      // until it shows who filled it.
      const holds = (record: SignalRecord | undefined) =>
        !!record && 'dedupeKey' in record && record.dedupeKey === dedupeKey;
      const settledRead = async (id: string) => {
        for (let look = 0; ; look++) {
          const found = await wait.retrieveToken<SignalRecord>(id);
          if (found.status !== 'WAITING' || look >= 50) return found;
          await abortableSleep(Math.min(1000, 20 * 2 ** look));
        }
      };
      return api(async (): Promise<'delivered'> => {
        for (let n = 1; n <= MAX_TOKENS; n++) {
          const token = await wait.createToken({
            idempotencyKey: tokenKeys.signal(workflowId, topic, n),
            idempotencyKeyTTL: RECORD_TTL,
          });
          if (token.isCached) {
            const found = await wait.retrieveToken<SignalRecord>(token.id);
            if (found.status !== 'WAITING') {
              if (holds(found.output)) return 'delivered';
              continue;
            }
          }
          await wait.completeToken<SignalRecord>(token.id, { dedupeKey, payload });
          // Completing a token that someone else completed first changes nothing: read who won.
          const after = await settledRead(token.id);
          if (after.status === 'WAITING') {
            throw new Error(
              `the token ${token.id} of ${workflowId} still reads as open after it was completed`,
            );
          }
          if (holds(after.output)) return 'delivered';
        }
        throw new Error(`${workflowId} has more than ${MAX_TOKENS} ${topic} tokens: not signalled`);
      });
    },

    status: statusOf,

    settled: (workflowId, { timeoutMs } = {}) =>
      pollUntilSettled(statusOf, workflowId, {
        ...(timeoutMs ? { timeoutMs } : {}),
        pollMs: options.pollMs ?? 1000,
      }),

    async replay(workflowId) {
      const found = await latest(workflowId);
      if (!found) throw new Error(`no workflow ${workflowId}`);
      const state = STATES[found.status] ?? 'pending';
      if (state !== 'failed' && state !== 'cancelled') {
        throw new Error(
          `workflow ${workflowId} is ${found.status.toLowerCase()}, not failed: nothing to replay`,
        );
      }
      // A new run with the same payload and tag: its steps done before return their records without
      // running, so it goes on from the step that failed. A cancelled run keeps its idempotency key.
      const replayed = await api(async () => {
        const key = await startKey(workflowId);
        if (found.status === 'CANCELED') await idempotencyKeys.reset(found.taskIdentifier, key);
        return runs.replay(found.id, {
          tags: [workflowTag(workflowId)],
          idempotencyKey: key,
          idempotencyKeyTTL: ttl,
        });
      });
      await options.runs?.set(workflowId, replayed.id);
    },

    async stop() {},
  };
}
