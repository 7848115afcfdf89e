import { fileURLToPath } from 'node:url';
import { bodyText, defineConnector, type OrderDraftInput } from '@switchyard/core';
import { describeNotX12 } from './content.ts';
import { readInterchangesSync } from './envelope.ts';
import { x12Files } from './file-intake.ts';
import { PartnerSecrets, PartnerSettings, readingFor } from './partner.ts';
import { purchaseOrder } from './po.ts';

export * from './ack.ts';
export * from './documents.ts';
export * from './envelope.ts';
export * from './inspect.ts';
export * from './intake.ts';
export * from './outbound.ts';
export * from './outbox.ts';
export * from './partner.ts';
export * from './po.ts';
export * from './reader.ts';
export type { InboundFile as SftpFile, SftpSettings } from './sftp.ts';
export * from './sscc.ts';
export * from './store.ts';
export type * from './types.ts';
export * from './validate.ts';
export * from './write.ts';

/**
 * EDI X12 trading partners. A connection per partner; its settings are the partner's profile. Files arrive at
 * `POST /edi/<connection>` or from the partner's SFTP folder (`files.inbound`) and go through `receiveFile` (it
 * needs the store: duplicates, control numbers, acknowledgments). `normalize` is the pure part: the orders an
 * EDI payload maps to, used by `switchyard normalize x12 <file>` and by the replay of an exception's stored set.
 */
export const x12 = defineConnector({
  id: 'x12',
  title: 'EDI X12 trading partner',
  capabilities: ['edi.inbound', 'files.inbound'],
  settings: PartnerSettings,
  secrets: PartnerSecrets,
  files: x12Files,
  // The partner tables (interchanges, groups, counters, documents, due dates): core's 0010_edi.sql until they moved here.
  migrations: {
    dir: fileURLToPath(new URL('../migrations/', import.meta.url)),
    replaces: { '0001_edi.sql': '0010_edi.sql' },
  },
  normalize(payload, context) {
    // With the partner's profile (a replay, or --connection), its envelope ids and version are checked as on
    // arrival: a set from a group rejected for them stays rejected until the profile says otherwise.
    const read = readInterchangesSync(bodyText(payload.body), {
      keep: (type) => type === '850',
      ...readingFor(context.settings),
    });
    const orders: OrderDraftInput[] = [];
    const problems: string[] = [];
    for (const ic of read.interchanges) {
      if (ic.ta1?.status === 'R') problems.push(`interchange ${ic.control}: ${ic.ta1.message}`);
      for (const group of ic.groups) {
        for (const set of group.sets) {
          if (set.type !== '850') continue;
          if (set.status === 'R' || group.status === 'R') {
            const why = [...set.problems, ...group.problems, ...set.errors.map((e) => e.message)].slice(0, 3);
            problems.push(`850 ${set.control} is rejected: ${why.join('; ')}`);
            continue;
          }
          const po = purchaseOrder(set.segments ?? [], {
            // Without a profile (`switchyard normalize x12 <file>` with no --connection): no tables, no guesses.
            ...(context.settings?.items
              ? { partner: { ...context.settings, id: context.connectionId } }
              : {}),
            groupDate: group.date,
            groupTime: group.time,
            setControl: set.control,
          });
          if (po.problems.length) problems.push(...po.problems);
          else orders.push(po.order);
        }
      }
    }
    if (!read.interchanges.length) problems.push(`not an X12 file: ${describeNotX12(payload.body).found}`);
    if (problems.length) throw new Error(problems.slice(0, 5).join('; '));
    return orders.length ? { orders } : { orders, ignored: 'no purchase order (850) in this file' };
  },
});
