import { DBOS, DBOSClient, Error as DBOSErrors } from '@dbos-inc/dbos-sdk';
import { enqueueWorkflows, prepareEnqueuedWorkflow } from '@dbos-inc/dbos-sdk/eventreceiver';
import {
  type AnyWorkflow,
  abortableSleep,
  assertEngineName,
  describeError,
  type Engine,
  type EngineObserver,
  observeRun,
  observeStarts,
  observeStep,
  pollUntilSettled,
  type QueueSpec,
  retryStep,
  type StepFailure,
  startConcurrently,
  stepIdempotencyKey,
  type WorkflowContext,
  type WorkflowStart,
  type WorkflowState,
  type WorkflowStatus,
  withCompensation,
} from '@switchyard/core';
import postgres from 'postgres';

/**
 * The embedded engine: DBOS Transact on the hub's own PostgreSQL, its tables in their own schema.
 *
 * DBOS checkpoints each step's result, sleeps durably, keeps signals (send/recv) with their dedupe keys,
 * and at launch re-runs the workflows this executor left pending. It is a process-wide singleton: one
 * engine per process. Each hub process needs an executor id of its own that stays the same across its
 * restarts (two processes with one id would run each other's steps twice; a new id would leave the old
 * one's workflows pending), and every process of one deployment the same `applicationVersion`.
 */
export interface DbosEngineOptions {
  /** The hub's database (a postgres:// URL). */
  databaseUrl: string;
  /** Schema for DBOS's tables (default `switchyard_dbos`). */
  schema?: string;
  /** Stable per hub process: e.g. `<host>-<worker slot>`. */
  executorId: string;
  /** Bumped on purpose when workflow code changes incompatibly (pending runs of another version wait). */
  applicationVersion: string;
  workflows: AnyWorkflow[];
  /** Where DBOS's own warnings and errors go (default: stderr, one line each). */
  log?: (level: 'warn' | 'error', message: string) => void;
  /** Connections DBOS keeps to the database for its checkpoints (default 10). */
  poolSize?: number;
  /** Queues workflows may be started on (`start(..., { queue })`). */
  queues?: QueueSpec[];
  /** How often an idle queue is looked at for work, in ms (default 250). */
  queuePollMs?: number;
  /** Told after each step run: its whole time and its body's (the difference is the engine's). */
  onStep?: (step: { key: string; totalMs: number; bodyMs: number }) => void;
  /** Told of starts, of runs' ends and around each step's execution (the hub's metrics). */
  observer?: EngineObserver;
}

/** DBOS's workflow statuses in the engine interface's words. */
export const STATES: Record<string, WorkflowState> = {
  PENDING: 'pending',
  ENQUEUED: 'queued',
  DELAYED: 'queued',
  SUCCESS: 'succeeded',
  ERROR: 'failed',
  MAX_RECOVERY_ATTEMPTS_EXCEEDED: 'failed',
  CANCELLED: 'cancelled',
};

/**
 * DBOS creates its schema at launch, but several processes doing so at once deadlock: one migrates under
 * an advisory lock (tried, never waited on: the migration builds indexes concurrently, which would wait
 * for the waiters), the others wait for it.
 */
async function migrateOnce(databaseUrl: string, schema: string, signal?: AbortSignal) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt++) {
      const [row] = await sql<{ locked: boolean }[]>`
        select pg_try_advisory_lock(hashtext(${`switchyard:dbos-migrate:${schema}`})) as locked`;
      if (row?.locked) {
        try {
          await DBOS.migrate(databaseUrl, { schemaName: schema });
        } finally {
          await sql`select pg_advisory_unlock(hashtext(${`switchyard:dbos-migrate:${schema}`}))`;
        }
        return;
      }
      if (attempt > 600)
        throw new Error(`DBOS's schema ${schema} stayed locked by another process for a minute`);
      await abortableSleep(100, signal);
    }
  } finally {
    await sql.end();
  }
}

/** Starts DBOS with the hub's workflows registered; answers the engine the hub uses. */
export async function startDbosEngine(options: DbosEngineOptions): Promise<Engine> {
  if (DBOS.isInitialized()) throw new Error('DBOS already runs in this process: one engine per process');
  const schema = options.schema ?? 'switchyard_dbos';
  const log = options.log ?? ((level, message) => process.stderr.write(`dbos ${level}: ${message}\n`));
  const registered = new Map<string, (input: unknown) => Promise<unknown>>();

  await migrateOnce(options.databaseUrl, schema);
  // Two live processes with one executor id would run each other's steps twice: the id is held by a session
  // lock for the process's life, and a second process with it is refused.
  const holder = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  // A predecessor killed a moment ago may still hold it until PostgreSQL notices its connection is gone.
  let held: { locked: boolean } | undefined;
  for (let attempt = 0; attempt < 50 && !held?.locked; attempt++) {
    if (attempt) await abortableSleep(200);
    [held] = await holder<{ locked: boolean }[]>`
      select pg_try_advisory_lock(hashtext(${`switchyard:dbos-executor:${schema}:${options.executorId}`})) as locked`;
  }
  if (!held?.locked) {
    await holder.end();
    throw new Error(
      `another running process already uses the engine executor id "${options.executorId}": give each hub process its own SWITCHYARD_EXECUTOR_ID`,
    );
  }
  for (const workflow of options.workflows) {
    if (registered.has(workflow.name)) throw new Error(`workflow "${workflow.name}" is registered twice`);
    const run = async (input: unknown) =>
      observeRun(options.observer, { workflow: workflow.name, workflowId: DBOS.workflowID! }, () =>
        workflow.run(
          contextOf(DBOS.workflowID!, {
            log,
            onStep: options.onStep,
            observer: options.observer,
            workflow: workflow.name,
          }),
          input,
        ),
      );
    registered.set(workflow.name, DBOS.registerWorkflow(run, { name: workflow.name }));
  }
  DBOS.setConfig({
    name: 'switchyard',
    systemDatabaseUrl: options.databaseUrl,
    systemDatabaseSchemaName: schema,
    executorID: options.executorId,
    applicationVersion: options.applicationVersion,
    runMigrations: false,
    systemDatabaseIdleTransactionTimeoutMs: 0,
    ...(options.poolSize ? { systemDatabasePoolSize: options.poolSize } : {}),
    logger: {
      info: () => {},
      debug: () => {},
      warn: (entry: unknown) => log('warn', String(entry)),
      error: (entry: unknown) => log('error', describeError(entry)),
    },
  });
  const queues = new Set<string>();
  try {
    await DBOS.launch();
    // Registered after launch (DBOS keeps them in its tables, so every process sees one configuration; a
    // process of an older application version leaves a newer one's settings alone).
    for (const queue of options.queues ?? []) {
      assertEngineName('queue', queue.name);
      await DBOS.registerQueue(queue.name, {
        ...(queue.concurrency ? { globalConcurrency: queue.concurrency } : {}),
        ...(queue.perProcessConcurrency
          ? { workerConcurrency: Math.min(queue.perProcessConcurrency, queue.concurrency ?? Infinity) }
          : {}),
        ...(queue.rateLimit
          ? {
              rateLimit: {
                limitPerPeriod: queue.rateLimit.limit,
                periodSec: queue.rateLimit.periodMs / 1000,
              },
            }
          : {}),
        minPollingIntervalMs: options.queuePollMs ?? 250,
      });
      queues.add(queue.name);
    }
  } catch (error) {
    await DBOS.shutdown({ deregister: true }).catch(() => {});
    await holder.end();
    throw error;
  }

  const statusOf = async (workflowId: string): Promise<WorkflowStatus | undefined> => {
    const s = await DBOS.getWorkflowStatus(workflowId);
    if (!s) return undefined;
    const state = STATES[s.status] ?? 'pending';
    return {
      workflowId,
      name: s.workflowName,
      state,
      ...(state === 'failed' ? { error: describeError(s.error) } : {}),
      ...(state === 'succeeded' ? { output: s.output } : {}),
    };
  };

  const workflowNamed = (name: string) => {
    const workflow = registered.get(name);
    if (!workflow) {
      throw new Error(`no workflow "${name}"; registered: ${[...registered.keys()].join(', ') || 'none'}`);
    }
    return workflow;
  };
  const checkQueue = (queue: string | undefined) => {
    if (queue && !queues.has(queue)) {
      throw new Error(`no queue "${queue}"; the engine has: ${[...queues].join(', ') || 'none'}`);
    }
  };
  const startOne = async (workflow: (input: unknown) => Promise<unknown>, one: WorkflowStart) => {
    // DBOS returns the existing run for an id it knows: starting twice is starting once.
    await DBOS.startWorkflow(workflow, {
      workflowID: one.workflowId,
      ...(one.queue ? { queueName: one.queue } : {}),
    })(one.input);
  };

  return {
    async start(name, input, { workflowId, queue }) {
      const workflow = workflowNamed(name);
      checkQueue(queue);
      await startOne(workflow, { input, workflowId, ...(queue ? { queue } : {}) });
      observeStarts(options.observer, name, 1);
    },

    async startMany(name, starts) {
      const workflow = workflowNamed(name);
      for (const one of starts) checkQueue(one.queue);
      // An id given twice is started once, by its first start, as with `start`.
      const seen = new Set<string>();
      const unique = starts.filter((one) => !seen.has(one.workflowId) && seen.add(one.workflowId));
      const queued = unique.filter((one) => one.queue);
      // The queued ones in one transaction, through DBOS's batch enqueue for event receivers (a row per
      // workflow, an id already known skipped): one commit for the batch instead of one per workflow.
      if (queued.length) {
        const rows = await Promise.all(
          queued.map((one) =>
            prepareEnqueuedWorkflow(workflow, [one.input], {
              queueName: one.queue!,
              workflowID: one.workflowId,
            }),
          ),
        );
        await enqueueWorkflows(rows);
      }
      // Started at once (no queue): DBOS has no batch for those; a few at a time.
      const direct = unique.filter((one) => !one.queue);
      await startConcurrently(direct, (one) => startOne(workflow, one));
      observeStarts(options.observer, name, unique.length);
    },

    async signal(workflowId, topic, payload, { dedupeKey }) {
      try {
        // Wrapped: a null payload would read as a timeout on the other side.
        await DBOS.send(workflowId, { payload }, topic, dedupeKey);
        return 'delivered';
      } catch (error) {
        if (error instanceof DBOSErrors.DBOSNonExistentWorkflowError) return 'no-such-workflow';
        throw error;
      }
    },

    status: statusOf,

    settled: (workflowId, { timeoutMs } = {}) =>
      pollUntilSettled(statusOf, workflowId, { ...(timeoutMs ? { timeoutMs } : {}), pollMs: 50 }),

    async replay(workflowId) {
      await replayWorkflow(workflowId);
    },

    async stop() {
      await DBOS.shutdown({ deregister: true });
      await holder.end();
    },
  };
}

/** Runs a failed workflow again from its first failed step, keeping its id (signals keep reaching it). */
async function replayWorkflow(workflowId: string, client?: DBOSClient) {
  const api = client ?? DBOS;
  const status = client ? await client.getWorkflow(workflowId) : await DBOS.getWorkflowStatus(workflowId);
  if (!status) throw new Error(`no workflow ${workflowId}`);
  if (
    status.status !== 'ERROR' &&
    status.status !== 'MAX_RECOVERY_ATTEMPTS_EXCEEDED' &&
    status.status !== 'CANCELLED'
  ) {
    throw new Error(
      `workflow ${workflowId} is ${status.status.toLowerCase()}, not failed: nothing to replay`,
    );
  }
  const steps = (await api.listWorkflowSteps(workflowId)) ?? [];
  const failed = steps.find((s) => s.error);
  // A workflow that failed outside any step (its own code threw) runs again after its last recorded step.
  // Function ids have gaps (a wait uses two, and records one when it returns at once): never count them.
  const startStep = failed?.functionID ?? Math.max(-1, ...steps.map((s) => s.functionID)) + 1;
  await api.rewindWorkflow(workflowId, { startStep });
}

/** For the CLI: replays a workflow through a DBOS client, without launching an engine in this process. */
export async function replayWithClient(databaseUrl: string, workflowId: string, schema = 'switchyard_dbos') {
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    systemDatabaseSchemaName: schema,
    applicationName: 'switchyard',
  } as Parameters<typeof DBOSClient.create>[0]);
  try {
    await replayWorkflow(workflowId, client);
  } finally {
    await client.destroy();
  }
}

/**
 * The engine interface over DBOS's, for the workflow now running.
 *
 * A step is one DBOS step with DBOS's retries off, its attempts run inside it (core's `retryStep`: backoff,
 * PermanentError, the step's rule): DBOS checkpoints it once, with its result or with the last attempt's own
 * error. DBOS's own retry loop would read the workflow's status before every attempt, the first included (one
 * more statement per step, on the path where nothing fails), and fail the step with its max-retries error
 * instead of the step's. Cancellation between attempts comes from DBOS's cancel signal for the step (a
 * watcher polling about once a second, started only once an attempt has failed): it cuts a wait short and
 * ends the step with DBOS's cancellation, which DBOS then handles as when it ran the retries.
 */
function contextOf(
  workflowId: string,
  hooks: {
    log: NonNullable<DbosEngineOptions['log']>;
    onStep?: DbosEngineOptions['onStep'];
    observer?: EngineObserver | undefined;
    workflow?: string;
  },
): WorkflowContext {
  const keys = new Set<string>();
  const unique = (key: string) => {
    // DBOS identifies steps by their order and checks their names on replay: a key used twice is a bug.
    if (keys.has(key)) throw new Error(`workflow ${workflowId} uses the step key "${key}" twice`);
    keys.add(key);
  };
  const tell = (key: string, f: StepFailure) =>
    hooks.log(
      'warn',
      `step "${key}" of workflow ${workflowId} failed on attempt ${f.attempt} of ${f.attempts}` +
        (f.retryInMs === undefined ? ', not retried' : `, tried again in ${f.retryInMs} ms`) +
        `: ${describeError(f.error)}`,
    );
  // Compensation: each undo a DBOS step of its own, so a recovery during it finds the undos done recorded.
  return withCompensation({
    workflowId,
    async step(key, body, options) {
      unique(key);
      const idempotencyKey = stepIdempotencyKey(workflowId, key);
      let bodyMs = 0;
      const began = performance.now();
      const result = await DBOS.runStep(
        () =>
          // Inside runStep: observed only when the step executes, not when replayed from its checkpoint.
          observeStep(hooks.observer, { workflow: hooks.workflow ?? '', key }, () =>
            retryStep(
              async (attempt) => {
                const start = performance.now();
                try {
                  return await body({ idempotencyKey, attempt });
                } finally {
                  bodyMs += performance.now() - start;
                }
              },
              options?.retry,
              { cancelled: () => DBOS.stepStatus?.cancelSignal, onFailure: (f) => tell(key, f) },
            ),
          ),
        { name: key, retriesAllowed: false },
      );
      hooks.onStep?.({ key, totalMs: performance.now() - began, bodyMs });
      return result;
    },
    async sleep(key, ms) {
      unique(key);
      await DBOS.sleep(ms);
    },
    async waitForSignal<T>(topic: string, { timeoutMs }: { timeoutMs: number }) {
      const message = await DBOS.recv<{ payload: T }>(topic, { timeoutSeconds: timeoutMs / 1000 });
      return message === null ? undefined : message.payload;
    },
    async now(key) {
      unique(key);
      return new Date(await DBOS.now());
    },
  });
}
