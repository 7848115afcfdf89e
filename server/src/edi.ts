import {
  deliverQueued,
  type EdiConnection,
  receiveFile,
  sftpTransports,
  sweepOverdue,
} from '@switchyard/connector-x12';
import { abortableSleep, describeError } from '@switchyard/core';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';

export interface EdiLoops {
  stop(): Promise<void>;
}

/** The hub's trading partners: the x12 connections. */
export function partners(hub: Pick<Hub, 'connections'>): Map<string, EdiConnection> {
  const found = new Map<string, EdiConnection>();
  for (const c of hub.connections.values()) if (c.connector.id === 'x12') found.set(c.id, c as EdiConnection);
  return found;
}

/**
 * The EDI loops of a hub process: the outbox (every second), the sweep of documents the partner has not
 * acknowledged in time (every minute), and each SFTP partner's inbox (every `pollSeconds`).
 */
export function startEdi(
  hub: Pick<Hub, 'sql' | 'connections'>,
  log: Logger,
  options: { outboxEveryMs?: number; sweepEveryMs?: number } = {},
): EdiLoops {
  const all = partners(hub);
  if (!all.size) return { stop: async () => {} };
  const stop = new AbortController();
  const transports = sftpTransports();
  const loop = async (name: string, every: number, turn: () => Promise<unknown>) => {
    while (!stop.signal.aborted) {
      try {
        await turn();
      } catch (error) {
        if (stop.signal.aborted) break;
        log.error(`edi ${name} failed; trying again at the next turn`, { error: describeError(error) });
      }
      await abortableSleep(every, stop.signal).catch(() => undefined);
    }
  };
  const loops = [
    loop('outbox', options.outboxEveryMs ?? 1000, async () => {
      for (;;) {
        const report = await deliverQueued(hub.sql, all, transports, {
          log: (message, fields) => log.warn(message, fields),
        });
        if (report.sent + report.retrying + report.failed < 20 || stop.signal.aborted) break;
      }
    }),
    loop('sweep', options.sweepEveryMs ?? 60_000, async () => {
      const overdue = await sweepOverdue(hub.sql);
      if (overdue) log.warn('edi documents not acknowledged in time', { count: overdue });
    }),
    ...[...all.values()]
      .filter((p) => p.settings.transport.kind === 'sftp')
      .map((partner) => {
        const t = partner.settings.transport;
        const every = (t.kind === 'sftp' ? t.pollSeconds : 60) * 1000;
        return loop(`sftp poll of ${partner.id}`, every, async () => {
          const result = await (await transports.sftp(partner)).poll(
            async (file) => {
              const receipt = await receiveFile(hub.sql, partner, {
                body: file.body,
                name: file.name,
                via: 'sftp',
                receivedAt: new Date(),
              });
              log.info('edi file received', {
                partner: partner.id,
                file: file.name,
                status: receipt.status,
                orders: receipt.orders.length,
                exceptions: receipt.exceptions.length,
              });
            },
            { signal: stop.signal },
          );
          for (const f of result.failed)
            log.error('edi file not taken', { partner: partner.id, file: f.name, error: f.error });
        });
      }),
  ];
  log.info('edi partners', { partners: [...all.keys()].join(',') });
  return {
    async stop() {
      stop.abort();
      await Promise.allSettled(loops);
      await transports.close();
    },
  };
}
