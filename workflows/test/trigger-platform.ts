import { AsyncResource } from 'node:async_hooks';
import { parsePacket } from '@trigger.dev/core/v3';
import { type MockTaskContextOptions, runInMockTaskContext } from '@trigger.dev/core/v3/test';
import { HttpResponse, http } from 'msw';
import { routeWaitpoint } from './trigger-waitpoints.ts';

/**
 * Trigger.dev's platform as the SDK sees it, in one process: the HTTP API the SDK's client calls (trigger,
 * runs list/retrieve/replay, idempotency key reset, waitpoint tokens, the run engine's wait routes) in its
 * request and response shapes, and a run engine that executes a task's run function with the SDK's own
 * mock task context (`runInMockTaskContext`) and a runtime manager that suspends on waitpoints and resumes
 * when they complete, as the real runtime does after a checkpoint.
 *
 * Semantics kept from the real engine: idempotency keys per task and environment, cleared when a run fails;
 * waitpoint idempotency keys per environment (tokens and datetime waitpoints share the index); completing
 * a completed token changes nothing; a timed-out token is TIMED_OUT with an error output; an attempt that
 * throws is retried from the top unless it threw AbortTaskRunError. `crash()` abandons the attempt running
 * (as a killed machine) and starts the next one. Time is compressed by `timeScale` for platform waits.
 */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | null;
}

/** What the run engine stores as a timed-out waitpoint's output (an error, `outputIsError`). */
const TIMEOUT_OUTPUT = JSON.stringify({ name: 'Error', message: 'Waitpoint timed out' });

type RuntimeManager = NonNullable<MockTaskContextOptions['runtimeManager']>;

interface Run {
  id: string;
  seq: number;
  taskIdentifier: string;
  payload: unknown;
  tags: string[];
  idempotencyKey?: string;
  status: string;
  output?: unknown;
  error?: { message: string; name?: string };
  attemptCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Waitpoint {
  id: string;
  type: 'MANUAL' | 'DATETIME';
  idempotencyKey?: string;
  status: 'WAITING' | 'COMPLETED' | 'TIMED_OUT';
  output?: string;
  timeoutAt?: Date;
  completedAfter?: Date;
  completedAt?: Date;
  createdAt: Date;
  waiters: (() => void)[];
}

type RunFunction = (payload: never) => Promise<unknown>;

export class FakeTrigger {
  readonly requests: FakeRequest[] = [];
  readonly runs = new Map<string, Run>();
  readonly waitpoints = new Map<string, Waitpoint>();
  readonly tasks = new Map<string, RunFunction>();
  /**
   * Token reads served from a lagging replica, as the real platform's are: after each of the next
   * `staleReads` completions, the token's next read still shows it as it was before.
   */
  staleReads = 0;
  /** @internal for the waitpoint routes */
  readonly stale = new Map<string, unknown>();
  /** Answers to give instead of the route's, once each, by method and path pattern. */
  readonly faults: { method: string; path: RegExp; status: number }[] = [];
  readonly handlers;
  private seq = 0;
  private epoch = 0;
  private crashNow: (() => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  /**
   * Runs execute in the context this platform was made in, never in the caller's: the SDK scopes its
   * credentials with AsyncLocalStorage, and a run started by the hub's trigger must not inherit the hub's.
   */
  private readonly detached = AsyncResource.bind((fn: () => void) => fn());

  constructor(
    readonly baseURL = 'https://trigger.test',
    readonly options: { maxAttempts?: number; timeScale?: number } = {},
  ) {
    this.handlers = [http.all(`${baseURL}/*`, async ({ request }) => this.route(request))];
  }

  /** While paused, triggered runs stay QUEUED (no worker has dequeued them). */
  private paused: Run[] | undefined;

  pause() {
    this.paused ??= [];
  }

  resume() {
    const held = this.paused ?? [];
    this.paused = undefined;
    for (const run of held) this.enqueue(run);
  }

  /** Registers a task's run function: runs of that task are executed in this process. */
  register(taskId: string, run: RunFunction) {
    this.tasks.set(taskId, run);
  }

  /** Abandons the running attempt where it stands (nothing after this point of it happens); the next starts. */
  crash() {
    this.epoch++;
    this.crashNow?.();
  }

  /** Every request to `method path` (path matched as a regular expression). */
  calls(method: string, path: RegExp) {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** Waits until no run is queued or executing (suspended runs count as executing). */
  idle() {
    return this.queue;
  }

  /** @internal for the waitpoint routes */
  id(prefix: string) {
    return `${prefix}_${String(++this.seq).padStart(6, '0')}`;
  }

  /** @internal for the waitpoint routes */
  later(at: Date, fn: () => void) {
    const ms = Math.max(0, (at.getTime() - Date.now()) * (this.options.timeScale ?? 1));
    setTimeout(fn, ms);
  }

  /** @internal for the waitpoint routes */
  finish(wp: Waitpoint, status: 'COMPLETED' | 'TIMED_OUT', output?: string) {
    if (wp.status !== 'WAITING') return;
    wp.status = status;
    wp.output = status === 'TIMED_OUT' ? TIMEOUT_OUTPUT : output;
    wp.completedAt = new Date();
    for (const wake of wp.waiters.splice(0)) wake();
  }

  /** @internal for the waitpoint routes */
  byKey(key: string | undefined) {
    if (!key) return undefined;
    return [...this.waitpoints.values()].find((w) => w.idempotencyKey === key);
  }

  /** The runtime manager installed in each attempt: waits suspend the attempt until the waitpoint completes. */
  private runtime(run: Run): RuntimeManager {
    const epoch = this.epoch;
    return {
      disable() {},
      waitForTask: () => Promise.reject(new Error('the fake platform runs no child tasks')),
      waitForBatch: () => Promise.reject(new Error('the fake platform runs no batches')),
      waitForWaitpoint: ({ waitpointFriendlyId }: { waitpointFriendlyId: string }) =>
        new Promise((resolve) => {
          const wp = this.waitpoints.get(waitpointFriendlyId);
          if (!wp) throw new Error(`no waitpoint ${waitpointFriendlyId}`);
          const result = () =>
            wp.status === 'TIMED_OUT'
              ? { ok: false, output: TIMEOUT_OUTPUT, outputType: 'application/json' }
              : { ok: true, ...(wp.output ? { output: wp.output, outputType: 'application/json' } : {}) };
          if (wp.status !== 'WAITING') return resolve(result());
          run.status = 'WAITING';
          wp.waiters.push(() => {
            if (epoch !== this.epoch) return; // the attempt was abandoned: it never resumes
            run.status = 'EXECUTING';
            resolve(result());
          });
        }),
    };
  }

  private enqueue(run: Run) {
    const fn = this.tasks.get(run.taskIdentifier);
    if (!fn) return;
    if (this.paused) {
      this.paused.push(run);
      return;
    }
    this.detached(() => {
      this.queue = this.queue.then(() => this.execute(run, fn));
    });
  }

  private async execute(run: Run, fn: RunFunction) {
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      this.epoch++;
      run.status = 'EXECUTING';
      run.attemptCount = attempt;
      const crashed = new Promise<'crashed'>((resolve) => {
        this.crashNow = () => resolve('crashed');
      });
      const outcome = await Promise.race([
        runInMockTaskContext(
          () =>
            fn(run.payload as never).then(
              (output) => ({ ok: true as const, output }),
              (error: Error) => ({ ok: false as const, error }),
            ),
          { ctx: { run: { id: run.id }, attempt: { number: attempt } }, runtimeManager: this.runtime(run) },
        ),
        crashed,
      ]);
      run.updatedAt = new Date();
      if (outcome !== 'crashed' && outcome.ok) {
        run.status = 'COMPLETED';
        run.output = outcome.output;
        return;
      }
      if (outcome !== 'crashed' && (outcome.error.name === 'AbortTaskRunError' || attempt >= maxAttempts)) {
        run.status = 'FAILED';
        run.error = { name: outcome.error.name, message: outcome.error.message };
        run.idempotencyKey = undefined; // a failed run gives its idempotency key up
        return;
      }
      if (attempt >= maxAttempts) {
        run.status = 'CRASHED';
        return;
      }
    }
  }

  private runItem(run: Run) {
    const done = ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELED'].includes(run.status);
    return {
      id: run.id,
      status: run.status,
      taskIdentifier: run.taskIdentifier,
      ...(run.idempotencyKey ? { idempotencyKey: run.idempotencyKey } : {}),
      version: '20250101.1',
      isQueued: run.status === 'QUEUED',
      isExecuting: run.status === 'EXECUTING',
      isWaiting: run.status === 'WAITING',
      isCompleted: done,
      isSuccess: run.status === 'COMPLETED',
      isFailed: run.status === 'FAILED' || run.status === 'CRASHED',
      isCancelled: run.status === 'CANCELED',
      isTest: false,
      createdAt: run.createdAt.toISOString(),
      updatedAt: run.updatedAt.toISOString(),
      startedAt: run.createdAt.toISOString(),
      ...(done ? { finishedAt: run.updatedAt.toISOString() } : {}),
      tags: run.tags,
      costInCents: 0,
      baseCostInCents: 0,
      durationMs: 0,
      metadata: {},
    };
  }

  private createRun(taskIdentifier: string, payload: unknown, tags: string[], idempotencyKey?: string) {
    const run: Run = {
      id: this.id('run'),
      seq: this.seq,
      taskIdentifier,
      payload,
      tags,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      status: 'QUEUED',
      attemptCount: 0,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    this.runs.set(run.id, run);
    this.enqueue(run);
    return run;
  }

  /** @internal for the waitpoint routes */
  tokenJson(wp: Waitpoint) {
    return {
      id: wp.id,
      url: `${this.baseURL}/api/v1/waitpoints/tokens/${wp.id}/callback/fake`,
      status: wp.status,
      ...(wp.completedAt ? { completedAt: wp.completedAt.toISOString() } : {}),
      ...(wp.timeoutAt ? { timeoutAt: wp.timeoutAt.toISOString() } : {}),
      ...(wp.idempotencyKey ? { idempotencyKey: wp.idempotencyKey } : {}),
      tags: [],
      createdAt: wp.createdAt.toISOString(),
      ...(wp.output ? { output: wp.output, outputType: 'application/json' } : {}),
      ...(wp.status === 'TIMED_OUT' ? { outputIsError: true } : {}),
    };
  }

  private async route(request: Request) {
    const url = new URL(request.url);
    const path = url.pathname;
    const text = request.method === 'GET' ? '' : await request.text();
    const body = (text ? JSON.parse(text) : undefined) as Record<string, never> | undefined;
    this.requests.push({
      method: request.method,
      path,
      query: url.searchParams,
      body,
      authorization: request.headers.get('authorization'),
    });
    const fault = this.faults.findIndex((f) => f.method === request.method && f.path.test(path));
    if (fault >= 0) {
      const [injected] = this.faults.splice(fault, 1);
      return HttpResponse.json({ error: 'injected failure' }, { status: injected!.status });
    }
    const jwt = { headers: { 'x-trigger-jwt': 'fake.public.jwt' } };
    let m: RegExpExecArray | null;

    m = request.method === 'POST' ? /^\/api\/v1\/tasks\/([^/]+)\/trigger$/.exec(path) : null;
    if (m) {
      const taskId = decodeURIComponent(m[1]!);
      const options = (body?.options ?? {}) as {
        idempotencyKey?: string;
        tags?: string | string[];
        payloadType?: string;
      };
      const existing = [...this.runs.values()].find(
        (r) =>
          r.taskIdentifier === taskId &&
          options.idempotencyKey &&
          r.idempotencyKey === options.idempotencyKey,
      );
      if (existing) return HttpResponse.json({ id: existing.id, isCached: true }, jwt);
      // The SDK sends payloads as SuperJSON packets; the worker gets them parsed.
      const payload = await parsePacket({
        data: body?.payload as string | undefined,
        dataType: options.payloadType ?? 'application/json',
      });
      const tags = options.tags === undefined ? [] : [options.tags].flat();
      const run = this.createRun(taskId, payload, tags, options.idempotencyKey);
      return HttpResponse.json({ id: run.id, isCached: false }, jwt);
    }
    if (path === '/api/v1/runs' && request.method === 'GET') {
      const tags = url.searchParams.get('filter[tag]')?.split(',');
      const size = Number(url.searchParams.get('page[size]') ?? 25);
      const data = [...this.runs.values()]
        .filter((r) => !tags || r.tags.some((t) => tags.includes(t)))
        .sort((a, b) => b.seq - a.seq)
        .slice(0, size)
        .map((r) => ({ ...this.runItem(r), env: { id: 'env_fake', name: 'dev' } }));
      return HttpResponse.json({ data, pagination: {} });
    }
    m = request.method === 'GET' ? /^\/api\/v3\/runs\/([^/]+)$/.exec(path) : null;
    if (m) {
      const run = this.runs.get(m[1]!);
      if (!run) return HttpResponse.json({ error: 'Run not found' }, { status: 404 });
      return HttpResponse.json({
        ...this.runItem(run),
        depth: 0,
        triggerFunction: 'trigger',
        payload: run.payload,
        ...(run.output !== undefined ? { output: run.output } : {}),
        ...(run.error ? { error: run.error } : {}),
        relatedRuns: {},
        attemptCount: run.attemptCount,
      });
    }
    m = request.method === 'POST' ? /^\/api\/v1\/runs\/([^/]+)\/replay$/.exec(path) : null;
    if (m) {
      const old = this.runs.get(m[1]!);
      if (!old) return HttpResponse.json({ error: 'Run not found' }, { status: 404 });
      const key = body?.idempotencyKey as string | undefined;
      const existing = key && [...this.runs.values()].find((r) => r.idempotencyKey === key);
      if (existing) return HttpResponse.json({ id: existing.id });
      const tags = body?.tags === undefined ? old.tags : [body.tags as string | string[]].flat();
      return HttpResponse.json({ id: this.createRun(old.taskIdentifier, old.payload, tags, key).id });
    }
    m = request.method === 'POST' ? /^\/api\/v1\/idempotencyKeys\/([^/]+)\/reset$/.exec(path) : null;
    if (m) {
      const key = decodeURIComponent(m[1]!);
      for (const run of this.runs.values()) {
        if (run.idempotencyKey === key && run.taskIdentifier === body?.taskIdentifier)
          run.idempotencyKey = undefined;
      }
      return HttpResponse.json({ id: key });
    }
    const waitpoint = routeWaitpoint(this, request.method, path, body, jwt);
    if (waitpoint) return waitpoint;
    return HttpResponse.json({ error: `the fake has no route ${request.method} ${path}` }, { status: 501 });
  }
}
