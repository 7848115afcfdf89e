import { PermanentError, type VendorClient, zodMessage } from '@switchyard/core';
import { WalmartOrder } from './walmart-order.ts';

/** A purchase order id as a path segment. */
export const poPath = (purchaseOrderId: string) => `v3/orders/${encodeURIComponent(purchaseOrderId)}`;

/**
 * The purchase order as Walmart has it now (`GET /v3/orders/{purchaseOrderId}`): what the write-back actions
 * read before they write, so that a retried step sends nothing twice.
 */
export async function readOrder(
  api: VendorClient,
  purchaseOrderId: string,
  signal: AbortSignal,
): Promise<WalmartOrder> {
  const answer = await api.json<{ order?: unknown }>('GET', poPath(purchaseOrderId), {
    signal,
    what: `purchase order ${purchaseOrderId}`,
  });
  const parsed = WalmartOrder.safeParse(answer?.order);
  if (!parsed.success) {
    throw new PermanentError(
      `Walmart's purchase order ${purchaseOrderId} is not in the shape the hub reads: ${zodMessage(parsed.error)}`,
    );
  }
  return parsed.data;
}
