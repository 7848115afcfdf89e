import {
  deliverQueued,
  type EdiConnection,
  receiveFile,
  sftpTransports,
  sweepOverdue,
  x12,
} from '@switchyard/connector-x12';
import { describeError, fileIntakeOf, type Loop, type LoopOptions, startLoop } from '@switchyard/core';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';

export interface EdiLoops {
  stop(): Promise<void>;
}

/** The file intake these loops serve: the x12 connector's declared `files.inbound`. */
const X12_FILES = fileIntakeOf(x12);

/**
 * The hub's trading partners: the connections whose connector receives files (`files.inbound`) through the x12
 * file intake. Chosen by the capability, not the connector's id; narrowed to x12's intake because what these loops
 * run is x12's own (its SFTP transport and partner settings, its outbox and acknowledgment tables), which another
 * connector's file intake would not have.
 */
export function partners(hub: Pick<Hub, 'connections'>): Map<string, EdiConnection> {
  const found = new Map<string, EdiConnection>();
  for (const c of hub.connections.values()) {
    const files = fileIntakeOf(c.connector);
    if (files && files === X12_FILES) found.set(c.id, c as EdiConnection);
  }
  return found;
}

/**
 * The EDI loops of a hub process: the outbox (every second), the sweep of documents the partner has not
 * acknowledged in time (every minute), and each SFTP partner's inbox (every `pollSeconds`). A loop whose turns
 * keep failing backs off (up to a minute, or its own interval when longer).
 */
export function startEdi(
  hub: Pick<Hub, 'sql' | 'connections'>,
  log: Logger,
  options: { outboxEveryMs?: number; sweepEveryMs?: number } = {},
): EdiLoops {
  const all = partners(hub);
  if (!all.size) return { stop: async () => {} };
  const transports = sftpTransports();
  const loop = (name: string, everyMs: number, turn: LoopOptions['turn']): Loop =>
    startLoop({
      everyMs,
      turn,
      onError: (error) =>
        log.error(`edi ${name} failed; trying again at the next turn`, { error: describeError(error) }),
    });
  const loops = [
    // A full batch (20 documents) means more are waiting: the next turn runs at once.
    loop('outbox', options.outboxEveryMs ?? 1000, async () => {
      const report = await deliverQueued(hub.sql, all, transports, {
        log: (message, fields) => log.warn(message, fields),
      });
      return report.sent + report.retrying + report.failed < 20 ? undefined : 'again';
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
        return loop(`sftp poll of ${partner.id}`, every, async (signal) => {
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
            { signal },
          );
          for (const f of result.failed)
            log.error('edi file not taken', { partner: partner.id, file: f.name, error: f.error });
        });
      }),
  ];
  log.info('edi partners', { partners: [...all.keys()].join(',') });
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      await transports.close();
    },
  };
}
