import { hostname } from 'node:os';
import {
  claimJob,
  describeError,
  finishJob,
  type Job,
  listExceptions,
  replay,
  runSync,
  type Sql,
  saveProgress,
  startLoop,
  touchJob,
} from '@switchyard/core';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import { BULK_REPLAY } from './exceptions.ts';

/** The jobs this runner knows how to run. */
export const SYNC_JOB = 'sync';
export const BACKFILL_JOB = 'backfill';
const KINDS = [BULK_REPLAY, SYNC_JOB, BACKFILL_JOB];

export interface JobRunnerOptions {
  /**
   * Replays a bulk replay runs per second at most (default 100): one at a time, so a bulk replay of 100,000
   * exceptions takes one database connection and a bounded share of this process, and live intake keeps its pace.
   */
  replayPerSecond?: number;
  /** How often the runner looks for queued jobs when not nudged (default 1 s). */
  pollMs?: number;
}

export interface JobRunner {
  /** A job was just queued here: look now. */
  nudge(): void;
  stop(): Promise<void>;
}

/** How often a running job renews its lease (well within JOB_LEASE_MS). */
const HEARTBEAT_MS = 10_000;

/** How many exceptions a bulk replay reads per page; its progress is saved after each page. */
const REPLAY_PAGE = 50;

/**
 * Runs queued jobs in this process, one at a time: bulk replays (throttled), syncs and backfills (with the
 * connector's own rate limits). A job is claimed with a lease that its progress renews; a process that stops
 * mid-job leaves it to be taken up by another (or by itself after a restart), resuming from its saved cursor.
 * An operator's cancel is seen at the next progress save.
 */
export function startJobRunner(
  hub: Pick<Hub, 'sql' | 'connections'>,
  log: Logger,
  options: JobRunnerOptions = {},
): JobRunner {
  const owner = `${hostname()}:${process.pid}`;
  const perSecond = options.replayPerSecond ?? 100;
  const loop = startLoop({
    everyMs: options.pollMs ?? 1000,
    onError: (error) => log.error('job runner failed; trying again', { error: describeError(error) }),
    turn: async (signal) => {
      const job = await claimJob(hub.sql, owner, KINDS);
      if (!job) return;
      log.info('job started', { job: job.id, kind: job.kind, tenant: job.tenantId });
      // The lease is renewed every few seconds while the job runs, not only at its progress saves: a slow page
      // (a throttled vendor, a long replay) never lets another process take the job over mid-page. A cancel or
      // a takeover seen by the heartbeat stops the job at once.
      const stop = new AbortController();
      const onStop = () => stop.abort();
      signal.addEventListener('abort', onStop);
      let ended: Ended | undefined;
      const heartbeat = setInterval(() => {
        touchJob(hub.sql, job.id, owner).then(
          (state) => {
            if (state !== 'running') {
              ended = state;
              stop.abort();
            }
          },
          () => {},
        );
      }, HEARTBEAT_MS);
      heartbeat.unref();
      try {
        const outcome =
          job.kind === BULK_REPLAY
            ? await runBulkReplay(hub, job, owner, perSecond, stop.signal)
            : await runPull(hub, job, owner, stop.signal);
        const result = ended ?? outcome;
        if (result === 'finished') await finishJob(hub.sql, job.id, owner, { status: 'succeeded' });
        log.info(`job ${result}`, { job: job.id, kind: job.kind });
      } catch (error) {
        const message = describeError(error);
        await finishJob(hub.sql, job.id, owner, { status: 'failed', error: message });
        log.error('job failed', { job: job.id, kind: job.kind, error: message });
      } finally {
        clearInterval(heartbeat);
        signal.removeEventListener('abort', onStop);
      }
      return 'again';
    },
  });
  return { nudge: () => loop.nudge(), stop: () => loop.stop() };
}

type Ended = 'finished' | 'cancelled' | 'lost' | 'stopped';

/** Waits for the next slot of a steady rate, or less when stopping. */
function pacer(perSecond: number, signal: AbortSignal) {
  const gapMs = 1000 / perSecond;
  let next = Date.now();
  return async () => {
    const wait = next - Date.now();
    next = Math.max(next, Date.now()) + gapMs;
    if (wait > 0 && !signal.aborted) await new Promise((r) => setTimeout(r, wait));
  };
}

/**
 * Replays the open exceptions a bulk replay names, oldest position first in the list's own order (newest
 * first, keyset), saving the position after each page: a replay that fails again stays open behind the cursor
 * and is not tried twice by the same job.
 */
async function runBulkReplay(
  hub: Pick<Hub, 'sql' | 'connections'>,
  job: Job,
  owner: string,
  perSecond: number,
  signal: AbortSignal,
): Promise<Ended> {
  const p = job.params as { connectionId?: string; kind?: string; since?: string; before: string };
  const paced = pacer(perSecond, signal);
  let { done, failed, cursor } = job;
  let lastError: string | null = job.lastError;
  for (;;) {
    const page = await listExceptions(hub.sql, job.tenantId, {
      status: 'open',
      ...(p.connectionId ? { connectionId: p.connectionId } : {}),
      ...(p.kind ? { kind: p.kind } : {}),
      ...(p.since ? { since: new Date(p.since) } : {}),
      before: new Date(p.before),
      cursor,
      limit: REPLAY_PAGE,
    });
    for (const exception of page.items) {
      if (signal.aborted) return 'stopped';
      await paced();
      try {
        const outcome = await replay(hub.sql as Sql, job.tenantId, exception.id, hub.connections);
        if (outcome.status === 'failed') {
          failed++;
          lastError = `${exception.id}: ${outcome.message}`;
        }
      } catch (error) {
        // Resolved meanwhile by someone else, its connection removed from the config: counted, not fatal.
        failed++;
        lastError = `${exception.id}: ${describeError(error)}`;
      }
      done++;
    }
    cursor = page.next;
    const state = await saveProgress(hub.sql, job.id, owner, { done, failed, cursor, lastError });
    if (state !== 'running') return state;
    if (!cursor) return 'finished';
  }
}

/** A pull waits this long for another process's pull of the same connection, this many times at most. */
const BUSY_WAIT_MS = 5_000;
const BUSY_WAITS = 120;

/** A sync or backfill of one connection, its progress saved after each page. */
async function runPull(
  hub: Pick<Hub, 'sql' | 'connections'>,
  job: Job,
  owner: string,
  signal: AbortSignal,
): Promise<Ended> {
  const p = job.params as { connectionId: string; since?: string };
  const connection = hub.connections.get(p.connectionId);
  if (!connection) throw new Error(`connection "${p.connectionId}" is no longer in the config`);
  const stop = new AbortController();
  const onStop = () => stop.abort();
  signal.addEventListener('abort', onStop);
  let ended: Ended | undefined;
  let saving = Promise.resolve();
  try {
    let report: Awaited<ReturnType<typeof runSync>>;
    // The connection is being pulled by another process (its scheduled poll): wait for it, then pull.
    for (let waited = 0; ; waited++) {
      report = await pullOnce();
      if (report.status !== 'busy' || stop.signal.aborted) break;
      if (waited >= BUSY_WAITS) {
        throw new Error(
          `another process kept ${connection.id} busy for ${(BUSY_WAITS * BUSY_WAIT_MS) / 60_000} minutes`,
        );
      }
      await new Promise((r) => setTimeout(r, BUSY_WAIT_MS));
    }
    await saving;
    if (ended) return ended;
    if (report.status === 'interrupted') return 'stopped';
    await saveProgress(hub.sql, job.id, owner, {
      done: report.records,
      failed: report.exceptions,
      total: report.records,
    });
    return 'finished';
  } finally {
    signal.removeEventListener('abort', onStop);
  }

  function pullOnce() {
    return runSync(hub.sql, connection!, {
      ...(p.since ? { since: new Date(p.since), backfill: job.kind === BACKFILL_JOB } : {}),
      signal: stop.signal,
      onPage: ({ records, remaining }) => {
        saving = saving.then(async () => {
          const state = await saveProgress(hub.sql, job.id, owner, {
            done: records,
            failed: 0,
            ...(remaining !== undefined ? { total: records + remaining } : {}),
          });
          if (state !== 'running') {
            ended = state;
            stop.abort();
          }
        });
      },
    });
  }
}
