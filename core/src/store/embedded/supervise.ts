import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../errors.ts';
import { backoffMs } from '../../retry.ts';
import type { EmbeddedLogLevel, EmbeddedOptions } from './options.ts';
import { type Launch, launch, readPostmaster } from './postmaster.ts';
import { alive, isPostmasterOf, startError, startTicks } from './process.ts';
import { readState, withLock, writeState } from './state.ts';

// Restarting the server that died while this process owns it.

/**
 * Watches the postmaster this process owns and, when it is gone without our stop (killed, crashed, stopped
 * by hand), starts it again on the same data and port: a pool pointed at that port then reconnects by
 * itself. A failed attempt is retried after a backoff that doubles up to its cap, and then at the cap for as
 * long as it takes: a hub without its store answers nothing but 503, so giving up helps no one.
 */
export function supervise(
  spec: Launch,
  lockFile: string,
  log: (line: string, level?: EmbeddedLogLevel) => void,
  options: EmbeddedOptions['supervise'],
): { stop(): Promise<void> } {
  const { everyMs = 1000, baseMs = 500, maxMs = 30_000 } = typeof options === 'object' ? options : {};
  const data = spec.files.data;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let recovering: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let known = readPostmaster(data)?.pid;

  const watch = () => {
    if (stopped) return;
    timer = setTimeout(check, everyMs);
    timer.unref(); // the watch alone never keeps the process alive
  };
  const check = () => {
    const pm = readPostmaster(data);
    if (pm && isPostmasterOf(pm.pid, data)) {
      known = pm.pid;
      return watch();
    }
    recovering = recover()
      .catch((error) => log(`supervising PostgreSQL failed: ${describeError(error)}`, 'error'))
      .finally(() => {
        recovering = undefined;
        watch();
      });
  };

  /** Under the start lock, so that a CLI command starting the server at the same moment does not race us. */
  const restartOnce = () =>
    withLock(lockFile, async () => {
      if (stopped) return undefined;
      const pm = readPostmaster(data);
      if (pm && isPostmasterOf(pm.pid, data)) {
        if (pm.port !== spec.port) {
          throw startError(
            `another PostgreSQL (pid ${pm.pid}) now holds ${data}, on port ${pm.port} instead of ${spec.port}`,
            `stop it (kill ${pm.pid}); the hub then starts the server on port ${spec.port} again`,
          );
        }
        return pm.pid; // someone (a CLI command) started it meanwhile, where we want it: adopt it
      }
      if (pm && alive(pm.pid)) await fs.rm(join(data, 'postmaster.pid'), { force: true }); // pid now reused
      // After a crash PostgreSQL replays its WAL before it answers, which can take long on a big database:
      // a restart is given 10 minutes rather than the start's limit, so the replay is never cut off and redone.
      const pid = await launch({ ...spec, timeoutS: Math.max(spec.timeoutS, 600) });
      const latest = readState(spec.files.state);
      if (latest) {
        await writeState(spec.files.state, {
          ...latest,
          port: spec.port,
          ownerPid: process.pid,
          ownerStart: startTicks(process.pid),
        });
      }
      return pid;
    });

  const recover = async () => {
    log(
      `PostgreSQL${known ? ` (pid ${known})` : ''} on port ${spec.port} exited without being stopped; restarting it`,
      'error',
    );
    for (let attempt = 1; !stopped; attempt++) {
      log(
        `restarting PostgreSQL on 127.0.0.1:${spec.port} (attempt ${attempt})`,
        attempt === 1 ? 'warn' : 'error',
      );
      try {
        const pid = await restartOnce();
        if (pid === undefined) return;
        known = pid;
        log(`PostgreSQL restarted (pid ${pid}) on 127.0.0.1:${spec.port} after ${attempt} attempt(s)`);
        return;
      } catch (error) {
        if (stopped) return;
        const wait = backoffMs(attempt, { baseMs, maxMs, jitter: 'equal' });
        log(
          `restarting PostgreSQL failed (attempt ${attempt}): ${describeError(error)}; trying again in ${(wait / 1000).toFixed(1)} s`,
          'error',
        );
        await new Promise<void>((resolve) => {
          const pause = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(pause);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  };

  watch();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await recovering;
    },
  };
}
