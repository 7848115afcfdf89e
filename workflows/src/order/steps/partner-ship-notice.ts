import type { Order, PartnerDocuments, PurchasedLabel } from '@switchyard/core';
import { queueDocument } from '../partner.ts';
import { type Shipment, shipmentKey } from '../shipments.ts';
import { createStep } from '../step.ts';

/** `edi-856` (per shipment): a B2B partner's ship notice, in place of a fulfillment pushed to a channel. */
export const partnerShipNotice = createStep({
  invoke: (
    input: {
      order: Order;
      documents: PartnerDocuments;
      shipment: Shipment;
      label: PurchasedLabel;
      shippedAt: Date;
    },
    s,
  ) => {
    const { order, documents, shipment, label, shippedAt } = input;
    return queueDocument(s, documents, {
      kind: 'ship-notice',
      order,
      idempotencyKey: s.idempotencyKey,
      shipFrom: shipment.from,
      shipment: {
        shipmentId: label.shipmentId,
        trackingCode: label.trackingCode,
        carrier: label.carrier,
        service: label.service,
        shippedAt: shippedAt.toISOString(),
        ...(shipment.weightGrams > 0 ? { weightGrams: shipment.weightGrams } : {}),
        lines: shipment.lines,
      },
    });
  },
  key: ({ shipment }) => shipmentKey('edi-856', shipment),
});
