import { jsonObject, type StoredPayload } from '@switchyard/core';

/** One event of a Xero webhook delivery (xero-webhooks.yaml, WebhookEvent). */
export interface XeroEvent {
  resourceUrl: string;
  resourceId: string;
  tenantId: string;
  tenantType: string;
  eventCategory: string;
  eventType: string;
  eventDateUtc: string;
  /** Credit-note events only: `{ Type, Status }`. */
  data?: Record<string, unknown>;
}

/** A delivery: `{ events, firstEventSequence, lastEventSequence, entropy }`. */
export interface XeroDelivery {
  events: XeroEvent[];
  firstEventSequence?: number;
  lastEventSequence?: number;
  entropy?: string;
}

const FIELDS = ['resourceId', 'tenantId', 'eventCategory', 'eventType', 'eventDateUtc'] as const;

/** A delivery's body, or undefined when it is not one (not JSON, no `events` array). Never throws. */
export function deliveryOf(body: Uint8Array): XeroDelivery | undefined {
  const parsed = jsonObject(body);
  if (!parsed || !Array.isArray(parsed.events)) return undefined;
  return parsed as unknown as XeroDelivery;
}

/** The events of a delivery that carry every field the hub keys on; others are left out. */
export function eventsOf(payload: Pick<StoredPayload, 'body'>): XeroEvent[] {
  const events = deliveryOf(payload.body)?.events ?? [];
  return events.filter(
    (e): e is XeroEvent =>
      !!e &&
      typeof e === 'object' &&
      FIELDS.every((f) => typeof (e as never)[f] === 'string' && (e as never)[f]),
  );
}

/**
 * An event's identity. Xero gives events no id: an event is its organisation, category, resource, time and
 * type (a redelivery repeats all five; two changes of one invoice differ in time).
 */
export function eventKey(e: XeroEvent): string {
  return [e.tenantId, e.eventCategory, e.resourceId, e.eventDateUtc, e.eventType].join(':');
}
