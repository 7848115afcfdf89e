import { abortableSleep, describeError, runSync, type Sql } from '@switchyard/core';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';

export interface Scheduler {
  /** Stops the loops: a running sync stops after its current page (and resumes at the next start). */
  stop(): Promise<void>;
}

async function lastRun(sql: Sql, connectionId: string): Promise<number | undefined> {
  const [row] = await sql<
    { last_run_at: Date | null }[]
  >`select last_run_at from sync_state where connection_id = ${connectionId}`;
  return row?.last_run_at?.getTime();
}

/**
 * Pulls every connection that has `poll.every` on its schedule. The next run is due
 * `every` after the last one recorded in the database, so a restart does not reset
 * the clock; the sync's lease keeps two processes (or two hubs) from pulling one
 * connection at once. A failed sync is logged and tried again at the next turn.
 */
export function startScheduler(hub: Pick<Hub, 'sql' | 'connections' | 'config'>, log: Logger): Scheduler {
  const stop = new AbortController();
  const loops = hub.config.connections
    .filter((c) => c.pollEveryMs !== undefined && hub.connections.get(c.id)?.connector.pull)
    .map(async ({ id, pollEveryMs }) => {
      const connection = hub.connections.get(id)!;
      const every = pollEveryMs!;
      while (!stop.signal.aborted) {
        try {
          const last = await lastRun(hub.sql, id);
          const wait = last === undefined ? 0 : Math.max(0, last + every - Date.now());
          await abortableSleep(wait, stop.signal);
          const report = await runSync(hub.sql, connection, { signal: stop.signal });
          if (report.status === 'busy') {
            await abortableSleep(every, stop.signal); // another process has it: look again a turn later
          } else if (report.records || report.status !== 'completed') {
            log.info('poll', {
              connection: id,
              status: report.status,
              records: report.records,
              missedByWebhooks: report.missedByWebhooks,
              exceptions: report.exceptions,
            });
          }
        } catch (error) {
          if (stop.signal.aborted) break;
          log.error('poll failed; trying again at the next turn', {
            connection: id,
            error: describeError(error),
          });
          await abortableSleep(every, stop.signal).catch(() => undefined);
        }
      }
    });
  if (loops.length)
    log.info('polling', {
      connections: hub.config.connections
        .filter((c) => c.pollEveryMs)
        .map((c) => `${c.id}/${c.pollEveryMs! / 1000}s`)
        .join(','),
    });
  return {
    async stop() {
      stop.abort();
      await Promise.allSettled(loops);
    },
  };
}
