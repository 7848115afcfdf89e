import { createHash } from 'node:crypto';
import type { PulledRecord } from '@switchyard/core';

/** An order as it came in a page, before it is checked: the key must not depend on it being valid. */
interface RawOrder {
  purchaseOrderId?: unknown;
  orderDate?: unknown;
  orderLines?: { orderLine?: { statusDate?: unknown }[] };
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The value as JSON with every object's keys in order, so that the same order listed with its fields in another
 * order digests the same. Walmart's order carries nothing that changes from one read to the next (no read
 * time, no request id: the listing's `meta` and `nextCursor` are outside the order), so all of it is kept.
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The key of one state of a purchase order: its id, its modification time and a digest of the whole order.
 * Walmart's orders carry no modification time of their own; the latest line `statusDate` moves whenever a line
 * changes status, but not for every change: a buyer's cancellation request (`intentToCancel`), a corrected
 * address, a charge or a refund leave it alone. So the digest covers the whole order, not only the lines'
 * statuses: an unchanged order pulled again is a duplicate, and any change a new record (normalized, and applied
 * by the store, which takes a state as new as the one it has).
 */
export function orderKey(order: RawOrder, body?: string): string {
  const po = typeof order.purchaseOrderId === 'string' ? order.purchaseOrderId : undefined;
  const lines = Array.isArray(order.orderLines?.orderLine) ? order.orderLines.orderLine : [];
  const times = [order.orderDate, ...lines.map((l) => l?.statusDate)].filter(
    (t): t is number => typeof t === 'number' && Number.isFinite(t),
  );
  if (!po || !times.length) return `order:unreadable#${digest(body ?? JSON.stringify(order))}`;
  const at = new Date(Math.max(...times)).toISOString();
  return `order:${po}@${at}#${digest(canonical(order))}`;
}

/** One order of a page as the record the hub stores: the order exactly as Walmart listed it, keyed by its state. */
export function orderRecord(order: unknown): PulledRecord {
  const text = JSON.stringify(order);
  return {
    dedupeKey: orderKey((order ?? {}) as RawOrder, text),
    body: new Uint8Array(Buffer.from(text)),
    contentType: 'application/json',
  };
}
