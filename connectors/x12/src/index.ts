import { fileURLToPath } from 'node:url';
import { defineConnector } from '@switchyard/core';
import { x12Files } from './file-intake.ts';
import { normalizeInterchanges } from './normalize.ts';
import { PartnerSecrets, PartnerSettings } from './settings.ts';

export * from './ack.ts';
export * from './documents.ts';
export * from './envelope.ts';
export * from './inspect.ts';
export * from './intake.ts';
export * from './map-order.ts';
export * from './outbound.ts';
export * from './outbox.ts';
export * from './partner-acks.ts';
export * from './partner-history.ts';
export * from './reader.ts';
export * from './settings.ts';
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
  normalize: normalizeInterchanges,
});
