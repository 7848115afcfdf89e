import { describeError, type Sql } from '@switchyard/core';
import type { Logger } from './log.ts';

/**
 * Whether this process can reach its store, for /healthz. A hub that cannot reach PostgreSQL answers every
 * webhook 503; for a little while that is an outage the senders' retries cover (the embedded server is
 * restarting, the database fails over), but past `unhealthyAfterMs` the process should be looked at or
 * replaced, and /healthz says so. It asks its own pool, so each hub process (each worker) speaks for itself.
 */
export interface StoreHealth {
  /** How long the store has gone without answering, in ms: 0 while it answers. */
  downForMs(): number;
  /** True once the store has gone without answering for longer than `unhealthyAfterMs`. */
  unhealthy(): boolean;
  readonly unhealthyAfterMs: number;
  stop(): void;
}

export interface StoreWatchOptions {
  /** How long the store may stay unreachable before the process counts as unhealthy. */
  unhealthyAfterMs: number;
  log: Logger;
  /** Between two pings (default a quarter of unhealthyAfterMs, from 250 ms to 5 s). */
  everyMs?: number;
  /** How long a ping may take before the store counts as not answering (default 2 s, at most everyMs). */
  timeoutMs?: number;
  now?: () => number;
}

/** Pings the store with `select 1` every few seconds and remembers when it last answered. */
export function watchStore(sql: Sql, options: StoreWatchOptions): StoreHealth {
  const { log, unhealthyAfterMs } = options;
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? Math.min(5000, Math.max(250, Math.floor(unhealthyAfterMs / 4)));
  const timeoutMs = Math.min(options.timeoutMs ?? 2000, everyMs);
  // The hub opened the store just before: it answered then.
  let lastAnswer = now();
  let answering = true;
  let toldUnhealthy = false;
  let pending: Promise<void> | undefined;
  let stopped = false;

  const downForMs = () => (answering ? 0 : Math.max(1, now() - lastAnswer));

  const answered = () => {
    if (stopped) return;
    if (!answering) {
      log.info('the store answers again', { downSeconds: Math.round((now() - lastAnswer) / 1000) });
    }
    answering = true;
    toldUnhealthy = false;
    lastAnswer = now();
  };
  const noAnswer = (error: unknown) => {
    if (stopped) return; // the pool is closing
    if (answering) log.warn('the store does not answer', { error: describeError(error) });
    answering = false;
    if (!toldUnhealthy && downForMs() > unhealthyAfterMs) {
      toldUnhealthy = true;
      log.error('the store has not answered for too long: /healthz answers 503 until it does', {
        downSeconds: Math.round(downForMs() / 1000),
        unhealthyAfterSeconds: unhealthyAfterMs / 1000,
      });
    }
  };

  const ping = () => {
    if (pending) {
      // The last ping has not come back (a hung connection): it still counts as no answer; no second one.
      if (!answering) noAnswer(new Error('the previous ping has not come back'));
      return;
    }
    const timeout = setTimeout(
      () => noAnswer(new Error(`no answer to select 1 within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timeout.unref();
    const query = Promise.resolve(sql`select 1`).then(answered, noAnswer);
    pending = query.finally(() => {
      clearTimeout(timeout);
      pending = undefined;
    });
  };

  const timer = setInterval(ping, everyMs);
  timer.unref(); // the watch alone never keeps the process alive

  return {
    unhealthyAfterMs,
    downForMs,
    unhealthy: () => downForMs() > unhealthyAfterMs,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
