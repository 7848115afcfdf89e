import { createHash } from 'node:crypto';
import type { PulledRecord } from '@switchyard/core';

/** An order as it came in a page, before it is checked: the key must not depend on it being valid. */
interface RawOrder {
  purchaseOrderId?: unknown;
  orderDate?: unknown;
  orderLines?: {
    orderLine?: {
      lineNumber?: unknown;
      statusDate?: unknown;
      orderLineStatuses?: {
        orderLineStatus?: {
          status?: unknown;
          statusQuantity?: { amount?: unknown };
          cancellationReason?: unknown;
          trackingInfo?: { trackingNumber?: unknown } | null;
        }[];
      };
    }[];
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The key of one state of a purchase order: its id, its modification time and a digest of its lines' statuses.
 * Walmart's orders carry no modification time of their own; the latest line `statusDate` moves whenever a line
 * changes status, and the digest (status, quantity, tracking number and cancellation reason of every line)
 * tells apart two changes within one millisecond or one that leaves the dates alone. An unchanged order pulled
 * again is therefore a duplicate, and a changed one a new record.
 */
export function orderKey(order: RawOrder, body?: string): string {
  const po = typeof order.purchaseOrderId === 'string' ? order.purchaseOrderId : undefined;
  const lines = Array.isArray(order.orderLines?.orderLine) ? order.orderLines.orderLine : [];
  const times = [order.orderDate, ...lines.map((l) => l?.statusDate)].filter(
    (t): t is number => typeof t === 'number' && Number.isFinite(t),
  );
  if (!po || !times.length) return `order:unreadable#${digest(body ?? JSON.stringify(order))}`;
  const statuses = lines
    .map((l) => [
      String(l?.lineNumber ?? ''),
      (l?.orderLineStatuses?.orderLineStatus ?? []).map((s) => [
        s?.status ?? null,
        s?.statusQuantity?.amount ?? null,
        s?.trackingInfo?.trackingNumber ?? null,
        s?.cancellationReason ?? null,
      ]),
    ])
    .sort(([a], [b]) => String(a).localeCompare(String(b), 'en', { numeric: true }));
  const at = new Date(Math.max(...times)).toISOString();
  return `order:${po}@${at}#${digest(JSON.stringify(statuses))}`;
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
