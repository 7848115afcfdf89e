import type { Order, PartnerDocuments } from '@switchyard/core';
import { queueDocument } from '../partner.ts';
import { createStep } from '../step.ts';

/** `edi-810`: a B2B partner's invoice for what shipped, once every shipment's notice is queued. */
export const partnerInvoice = createStep({
  key: 'edi-810',
  invoke: (
    input: {
      order: Order;
      documents: PartnerDocuments;
      lines: { lineId: string; quantity: number }[];
      shippedAt: Date;
    },
    s,
  ) =>
    queueDocument(s, input.documents, {
      kind: 'invoice',
      order: input.order,
      idempotencyKey: s.idempotencyKey,
      lines: input.lines,
      invoiceDate: input.shippedAt.toISOString().slice(0, 10),
    }),
});
