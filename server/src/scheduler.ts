import { describeError, lastSyncAt, runSync, startLoop } from '@switchyard/core';
import { startEdi } from './edi.ts';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';

export interface Scheduler {
  /** Stops the loops: a running sync stops after its current page (and resumes at the next start). */
  stop(): Promise<void>;
}

/**
 * Pulls every connection that has `poll.every` on its schedule. The next run is due
 * `every` after the last one recorded in the database, so a restart does not reset
 * the clock; the sync's lease keeps two processes (or two hubs) from pulling one
 * connection at once. A failed sync is logged and tried again at the next turn, later while it keeps failing.
 */
export function startScheduler(hub: Pick<Hub, 'sql' | 'connections' | 'config'>, log: Logger): Scheduler {
  // Config loading has already refused `poll` on a connector without orders.pull.
  const polled = hub.config.connections.filter((c) => c.pollEveryMs !== undefined);
  const loops = polled.map(({ id, pollEveryMs }) => {
    const connection = hub.connections.get(id)!;
    const every = pollEveryMs!;
    return startLoop({
      everyMs: every,
      async turn(signal) {
        const last = await lastSyncAt(hub.sql, id);
        const wait = last === undefined ? 0 : last + every - Date.now();
        if (wait > 0) return { nextInMs: wait };
        const report = await runSync(hub.sql, connection, { signal });
        if (report.status === 'busy') return; // another process has it: look again a turn later
        if (report.records || report.status !== 'completed') {
          log.info('poll', {
            connection: id,
            status: report.status,
            records: report.records,
            missedByWebhooks: report.missedByWebhooks,
            exceptions: report.exceptions,
          });
        }
        return 'again'; // the next run is due `every` after this one, by the database's clock
      },
      onError: (error) =>
        log.error('poll failed; trying again at the next turn', {
          connection: id,
          error: describeError(error),
        }),
    });
  });
  // Trading partners: the EDI outbox, the acknowledgment sweep and the SFTP inboxes.
  const edi = startEdi(hub, log);
  if (loops.length)
    log.info('polling', {
      connections: polled.map((c) => `${c.id}/${c.pollEveryMs! / 1000}s`).join(','),
    });
  return {
    async stop() {
      await Promise.allSettled([...loops.map((loop) => loop.stop()), edi.stop()]);
    },
  };
}
