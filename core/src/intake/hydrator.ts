import { type Loop, startLoop } from '../loop.ts';
import { nextHydrationInMs } from '../store/hydrations.ts';
import { type HydrateOptions, type HydrateReport, hydrateDue } from './hydrate.ts';

export interface HydratorOptions extends HydrateOptions {
  /** How often to look for due notifications when nothing nudges it (default 1 s). */
  everyMs?: number;
  /** Told of each turn that did something (for the log). */
  onTurn?: (report: HydrateReport) => void;
  /** Told of each failed turn (database trouble); the loop backs off and tries again. */
  onError: (error: unknown, failed: { failures: number; retryInMs: number }) => void;
}

/** The running hydrator: fetches the resources of thin notifications after they were answered. */
export interface Hydrator {
  /** A notification was just stored: look now rather than at the next turn. */
  nudge(): void;
  /** Stops it; a fetch in flight is aborted and its notification given back for the next start. */
  stop(): Promise<void>;
}

/**
 * Starts hydrating: the first turn runs at once, so what a stopped or crashed process left pending is fetched at
 * start (a crashed process's claims come due when their lease ends). Several processes may run one each: a
 * notification is claimed by one of them at a time.
 */
export function startHydrator(options: HydratorOptions): Hydrator {
  const everyMs = options.everyMs ?? 1_000;
  const ids = [...options.connections.values()].filter((c) => c.connector.webhook?.hydrate).map((c) => c.id);
  if (!ids.length) return { nudge() {}, async stop() {} };
  const loop: Loop = startLoop({
    everyMs,
    async turn(signal) {
      const report = await hydrateDue(options, signal);
      const done = report.hydrated + report.retrying + report.failed;
      if (done) options.onTurn?.(report);
      if (done) return 'again';
      const next = await nextHydrationInMs(options.sql, ids);
      return next === undefined ? undefined : { nextInMs: Math.min(everyMs, next) };
    },
    onError: options.onError,
  });
  return { nudge: () => loop.nudge(), stop: () => loop.stop() };
}
