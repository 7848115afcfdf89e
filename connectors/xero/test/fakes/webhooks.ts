import { createHmac, randomBytes } from 'node:crypto';
import type { FakeXeroState } from './state.ts';

/** One event as Xero's webhooks send it. */
export interface FakeEvent {
  resourceUrl: string;
  resourceId: string;
  tenantId: string;
  tenantType: 'ORGANISATION' | 'APPLICATION';
  eventCategory: 'INVOICE' | 'CONTACT' | 'CREDITNOTE' | 'SUBSCRIPTION';
  eventType: 'CREATE' | 'UPDATE';
  eventDateUtc: string;
  data?: Record<string, unknown>;
}

/** A delivery as the hub receives it: the exact body, and the headers Xero sends with it. */
export interface FakeDelivery {
  body: string;
  headers: Record<string, string>;
}

/** `x-xero-signature`: the base64 HMAC-SHA256 of the raw body under the webhook key. */
export function xeroWebhookHeaders(webhookKey: string, body: string | Uint8Array): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'x-xero-signature': createHmac('sha256', webhookKey).update(body).digest('base64'),
  };
}

/** Xero's `eventDateUtc`: ISO 8601 in UTC, without the zone ("2024-06-21T01:15:39.902"). */
export const eventDate = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '');

/** A signed delivery of `events` (none: the intent-to-receive check's body). */
export function delivery(
  fake: FakeXeroState,
  events: FakeEvent[],
  webhookKey = fake.webhookKey,
): FakeDelivery {
  const first = fake.webhookSequence + 1;
  fake.webhookSequence += Math.max(1, events.length);
  const body = JSON.stringify({
    events,
    firstEventSequence: first,
    lastEventSequence: fake.webhookSequence,
    entropy: randomBytes(15)
      .toString('base64')
      .replace(/[^A-Z]/gi, '')
      .toUpperCase()
      .slice(0, 20),
  });
  return { body, headers: xeroWebhookHeaders(webhookKey, body) };
}

/** An INVOICE (or other) event about a resource of the fake's. */
export function eventAbout(
  fake: FakeXeroState,
  tenantId: string,
  category: FakeEvent['eventCategory'],
  resourceId: string,
  type: FakeEvent['eventType'] = 'UPDATE',
): FakeEvent {
  const path = {
    INVOICE: 'Invoices',
    CONTACT: 'Contacts',
    CREDITNOTE: 'CreditNotes',
    SUBSCRIPTION: 'Subscriptions',
  }[category];
  return {
    resourceUrl: `${fake.apiOrigin}/api.xro/2.0/${path}/${resourceId}`,
    resourceId,
    tenantId,
    tenantType: category === 'SUBSCRIPTION' ? 'APPLICATION' : 'ORGANISATION',
    eventCategory: category,
    eventType: type,
    eventDateUtc: eventDate(fake.now()),
  };
}
