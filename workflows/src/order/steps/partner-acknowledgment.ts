import type { Order, PartnerDocuments } from '@switchyard/core';
import { queueDocument } from '../partner.ts';
import { createCheckedStep } from '../step.ts';

/** `edi-855`: a B2B partner's order acknowledged, right after loading, before anything is bought. */
export const partnerAcknowledgment = createCheckedStep({
  key: 'edi-855',
  invoke: ({ order, documents }: { order: Order; documents: PartnerDocuments }, s) =>
    queueDocument(s, documents, { kind: 'acknowledgment', order, idempotencyKey: s.idempotencyKey }),
});
