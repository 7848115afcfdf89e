import type { OrderStatus } from '@switchyard/core';

/**
 * Amazon's order statuses, which it spells two ways: Orders v2026-01-01 in UPPER_SNAKE (`PARTIALLY_SHIPPED`,
 * `CANCELLED`), ORDER_CHANGE notifications (like Orders v0) in CamelCase (`PartiallyShipped`, `Canceled`).
 */
export const AMAZON_STATUSES = [
  'PENDING_AVAILABILITY',
  'PENDING',
  'UNSHIPPED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'CANCELLED',
  'UNFULFILLABLE',
] as const;
export type AmazonStatus = (typeof AMAZON_STATUSES)[number];

/** Spellings that are not the UPPER_SNAKE of the CamelCase: American "Canceled", v0's invoice state. */
const ALIASES: Record<string, AmazonStatus> = {
  CANCELED: 'CANCELLED',
  // Shipped, the seller's invoice not yet confirmed to Amazon (v0 and notifications only).
  INVOICE_UNCONFIRMED: 'SHIPPED',
};

/** The status in the API's spelling, from either; undefined for a status Amazon did not document. */
export function amazonStatus(text: string | null | undefined): AmazonStatus | undefined {
  if (!text) return undefined;
  const snake = text
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toUpperCase();
  return (
    ALIASES[snake] ??
    ((AMAZON_STATUSES as readonly string[]).find((s) => s === snake) as AmazonStatus | undefined)
  );
}

/**
 * The canonical status of an order Amazon reports in `status`.
 *
 * Merchant-fulfilled (MFN): PENDING and PENDING_AVAILABILITY are `on_hold`, not `placed`: the order is not paid
 * yet, its address is withheld, and Amazon forbids shipping it; only `placed` starts a workflow, and the
 * UNSHIPPED that follows moves it to `placed` (a legal move from on_hold), which starts it then. UNSHIPPED is
 * `placed`; PARTIALLY_SHIPPED and SHIPPED are themselves; CANCELLED is `cancelled` (the hub then cancels a running
 * workflow); UNFULFILLABLE (documented for Amazon-fulfilled orders only) is `on_hold` for a person to look at.
 *
 * Fulfilled by Amazon (AFN): Amazon ships it, never the hub, so it is never `placed`: until Amazon has shipped it
 * it is `in_fulfillment` (already in Amazon's hands), then `partially_shipped` / `shipped` as Amazon reports.
 */
export function canonicalStatus(status: AmazonStatus, fulfilledByAmazon: boolean): OrderStatus {
  switch (status) {
    case 'PENDING_AVAILABILITY':
    case 'PENDING':
      return fulfilledByAmazon ? 'in_fulfillment' : 'on_hold';
    case 'UNSHIPPED':
      return fulfilledByAmazon ? 'in_fulfillment' : 'placed';
    case 'PARTIALLY_SHIPPED':
      return 'partially_shipped';
    case 'SHIPPED':
      return 'shipped';
    case 'CANCELLED':
      return 'cancelled';
    case 'UNFULFILLABLE':
      return 'on_hold';
  }
}
