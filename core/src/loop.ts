import { backoffMs } from './retry.ts';

/**
 * What a turn tells its loop: nothing (the next turn in `everyMs`), `'again'` (more is waiting: the next turn
 * at once), or `{ nextInMs }` (the next turn is due then, e.g. a poll whose clock is kept in the database).
 */
export type TurnOutcome = undefined | 'again' | { nextInMs: number };

export interface LoopOptions {
  /** The pause between turns, and after the first failure of a run of them. */
  everyMs: number;
  /**
   * One turn of the work. `signal` is aborted when the loop is stopped: a long turn should end early on it
   * (stop waits for the turn in flight).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a turn with nothing to say returns nothing
  turn: (signal: AbortSignal) => Promise<TurnOutcome | void>;
  /**
   * Told of each failed turn (not of one that failed because the loop was stopping), with how many turns in a
   * row have failed and when the next one runs. Its own errors are swallowed: logging never stops a loop.
   */
  onError: (error: unknown, failed: { failures: number; retryInMs: number }) => void;
  /**
   * The longest pause after failed turns (default the larger of `everyMs` and one minute): the first failure
   * waits `everyMs`, each further one in a row about twice as long (jittered), up to this.
   */
  maxBackoffMs?: number;
}

export interface Loop {
  /** Runs the next turn now instead of at its time (right after the current one, when one is running). */
  nudge(): void;
  /** Stops the loop: aborts the turn's signal and waits for the turn in flight. Never rejects. */
  stop(): Promise<void>;
}

/**
 * Runs `turn` at once and then repeatedly, never two at a time, until stopped: the hub's pollers, outboxes and
 * dispatchers. A failed turn is reported to `onError` and the loop backs off while turns keep failing (a
 * database that is down is not asked every second), starting over at `everyMs` after a turn succeeds. Its
 * timers do not keep the process alive on their own.
 */
export function startLoop(options: LoopOptions): Loop {
  const { everyMs, turn, onError } = options;
  const maxBackoffMs = Math.max(everyMs, options.maxBackoffMs ?? 60_000);
  const stopping = new AbortController();
  let nudged = false;
  let wake: (() => void) | undefined;

  /** Waits `ms`, or less when nudged or stopped. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping.signal.aborted || nudged) return resolve();
      // A zero wait still yields to timers and I/O, so a turn that keeps saying 'again' cannot starve them.
      const timer = ms > 0 ? setTimeout(() => done(), ms).unref() : undefined;
      const immediate = ms > 0 ? undefined : setImmediate(() => done()).unref();
      const done = () => {
        clearTimeout(timer);
        clearImmediate(immediate);
        wake = undefined;
        resolve();
      };
      wake = done;
    });

  const running = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      nudged = false;
      let waitMs: number;
      try {
        const outcome = await turn(stopping.signal);
        failures = 0;
        waitMs = outcome === 'again' ? 0 : outcome ? Math.max(0, outcome.nextInMs) : everyMs;
      } catch (error) {
        if (stopping.signal.aborted) break;
        failures++;
        waitMs = Math.max(
          everyMs,
          backoffMs(failures, { baseMs: everyMs, maxMs: maxBackoffMs, jitter: 'equal' }),
        );
        try {
          onError(error, { failures, retryInMs: waitMs });
        } catch {
          // A logger that throws must not end the loop.
        }
      }
      await pause(waitMs);
    }
  })();

  return {
    nudge() {
      nudged = true;
      wake?.();
    },
    async stop() {
      stopping.abort();
      wake?.();
      await running;
    },
  };
}
