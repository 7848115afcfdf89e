import type { PulledRecord } from './pull.ts';
import type { ConnectionContext, StoredPayload } from './request.ts';

/** The resource a thin notification names: enough for `fetch` to get it. */
export interface ResourceReference {
  /** What it is in the vendor's words ("order", "invoice"): a vendor with one kind still says which. */
  type: string;
  /** The vendor's id of it. */
  id: string;
}

/**
 * Thin webhooks: the vendor sends only a notification (an id and a topic: eBay, QuickBooks CloudEvents, Amazon
 * ORDER_CHANGE) and the resource must be fetched. The hub verifies the notification, stores it under its own
 * dedupe key and answers at once; the fetch happens after the answer, and the record is stored and normalized
 * like a pulled one. A duplicate notification is a no-op: it costs no API call.
 */
export interface WebhookHydration<Settings, Secrets> {
  /**
   * The resource a verified notification names, or undefined when it names none (a ping, a topic the hub does
   * not use): it is then stored as ignored. Pure, and must not throw on a malformed body.
   */
  resource(
    notification: StoredPayload,
    context: ConnectionContext<Settings, Secrets>,
  ): ResourceReference | undefined;
  /**
   * Fetches the resource as the vendor has it now, as the raw record `pull` would give for it: the same body
   * shape and the same dedupe key (resource id + modification time), so a record received both ways is stored
   * once. Undefined when the vendor says it has no such resource (a 404: often it is not readable yet, just
   * after the notification), which the hub retries like a failure. Throwing says it could not be fetched now:
   * the hub tries again with backoff, then opens an exception that `switchyard exceptions replay` fetches again.
   */
  fetch(
    context: ConnectionContext<Settings, Secrets>,
    resource: ResourceReference,
    signal: AbortSignal,
  ): Promise<PulledRecord | undefined>;
}
