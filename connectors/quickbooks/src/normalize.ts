import type { NormalizeResult, StoredPayload } from '@switchyard/core';
import { isDelivery, parseBody } from './cloud-events.ts';

export const IGNORED = 'accounting events are read by the books watcher';

/**
 * A QuickBooks delivery carries no order: the hub stores it (status ignored) and its books watcher reads the
 * changes it names (`books.changes`). A body of neither of Intuit's shapes cannot be read by the watcher
 * either: it is refused here, so it shows as an exception instead of passing unseen.
 */
export function normalize(payload: StoredPayload): NormalizeResult {
  if (!isDelivery(parseBody(payload))) {
    throw new Error(
      'this is not a QuickBooks webhook delivery (a JSON array of CloudEvents, or the legacy { eventNotifications: [...] }): check what posts to this connection',
    );
  }
  return { orders: [], ignored: IGNORED };
}
