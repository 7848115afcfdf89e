import type { ShipAddress } from './connector/index.ts';
import type { Order } from './order.ts';

/**
 * Documents a B2B partner expects back for its order, by their business names: the acknowledgment, the ship
 * notice and the invoice (an X12 partner's 855, 856 and 810; another format maps them to its own), as the
 * workflow asks for them. The hub wires an implementation for the connections whose connector speaks to partners; the
 * workflow knows only this. Each call is idempotent on its key: asked twice, the same document (with the same
 * control numbers) is returned, and it is delivered once.
 */
export interface PartnerDocuments {
  /** Whether the partner takes this document at all (its profile lists the documents it expects). */
  expects(kind: PartnerDocumentRequest['kind']): boolean;
  send(request: PartnerDocumentRequest): Promise<{ documentId: string; kind: string; control: string }>;
}

export interface ShippedLines {
  shipmentId: string;
  trackingCode: string;
  carrier: string;
  service: string;
  shippedAt: string;
  weightGrams?: number;
  lines: { lineId: string; quantity: number }[];
}

export type PartnerDocumentRequest =
  /** The acknowledgment of the order: every line accepted as imported. */
  | { kind: 'acknowledgment'; order: Order; idempotencyKey: string }
  /** The ship notice for a shipment. */
  | {
      kind: 'ship-notice';
      order: Order;
      idempotencyKey: string;
      shipment: ShippedLines;
      shipFrom: ShipAddress;
    }
  /** The invoice for what was shipped. */
  | {
      kind: 'invoice';
      order: Order;
      idempotencyKey: string;
      lines: { lineId: string; quantity: number }[];
      invoiceDate: string;
    };
