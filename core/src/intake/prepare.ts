import { createHash } from 'node:crypto';
import { type InboundRequest, storableHeaders } from '../connector/index.ts';
import { isWellFormed } from '../order.ts';
import type { NewHydration } from '../store/hydrations.ts';
import type { NewInboxEntry } from '../store/inbox.ts';
import { type Connection, connectionContext } from './connection.ts';
import { type Normalized, normalize } from './normalize.ts';
import { notificationOf } from './notification.ts';

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The key of a delivery kept under the hash of its bytes: it has no key of its own, or the database refused it. */
export function bodyKey(body: Uint8Array): string {
  return `body-sha256:${sha256(body)}`;
}

/**
 * A dedupe key as stored, one per distinct key: keys too long for the unique index, or holding a NUL that
 * PostgreSQL text refuses, are replaced by their hash (never truncated: two keys sharing a prefix must stay
 * distinct). A key holding a lone surrogate is hashed over its UTF-16 code units: as UTF-8 (what PostgreSQL and
 * a plain hash would take) every lone surrogate becomes U+FFFD, and two keys would become one.
 */
export function storableKey(key: string | undefined): string | undefined {
  if (key === undefined || key === '') return undefined;
  if (!isWellFormed(key)) return `key-utf16-sha256:${sha256(Buffer.from(key, 'utf16le'))}`;
  return key.length > 200 || key.includes('\u0000') ? `key-sha256:${sha256(key)}` : key;
}

/**
 * What begins the dedupe key of a thin notification (a delivery of a connector with `webhook.hydrate` that came
 * with no key of its own). Notifications and the records fetched for them share one inbox and one dedupe
 * namespace: were a notification's key equal to its record's, the fetched record would be stored as a duplicate
 * of the notification and never normalized. The prefix keeps the two apart, whatever keys the connector gives.
 */
export const NOTIFICATION_KEY_PREFIX = 'notice:';

/** A verified delivery, keyed and normalized in memory, ready to be stored. */
export interface PreparedDelivery {
  connection: Connection;
  entry: Omit<NewInboxEntry, 'status'>;
  normalized: Normalized;
  /** A thin notification's resource, to fetch after the answer: stored in the same transaction (hydrate.ts). */
  hydration?: NewHydration;
}

/** Computes the dedupe key, strips credential headers and normalizes: pure, no I/O. */
/** What the inbox stores of a delivery: its dedupe key (the connector's, or the body's hash) and headers. */
export function inboxEntry(
  connection: Connection,
  request: InboundRequest,
  now: () => Date = () => new Date(),
  /** For pulled records: the key the connector gave; webhooks leave it to the connector's dedupeKey. */
  dedupeKey?: string,
): Omit<NewInboxEntry, 'status' | 'revisionOf'> {
  let key = dedupeKey;
  try {
    key ??= connection.connector.webhook?.dedupeKey(request, connectionContext(connection, now));
  } catch {
    key = undefined;
  }
  const stored = storableKey(key) ?? bodyKey(request.body);
  const notice = dedupeKey === undefined && connection.connector.webhook?.hydrate !== undefined;
  return {
    tenantId: connection.tenantId,
    connectionId: connection.id,
    dedupeKey: notice ? `${NOTIFICATION_KEY_PREFIX}${stored}` : stored,
    receivedAt: request.receivedAt,
    method: request.method,
    path: request.path,
    // Never stored: the common credential headers and those the connector declares.
    headers: storableHeaders(request.headers, connection.connector.webhook?.credentialHeaders),
    contentType: request.contentType,
    body: request.body,
  };
}

export function prepare(
  connection: Connection,
  request: InboundRequest,
  now: () => Date = () => new Date(),
  /** For pulled records: the key the connector gave; webhooks leave it to the connector's dedupeKey. */
  dedupeKey?: string,
): PreparedDelivery {
  // A thin notification is not normalized: it carries no order, only the resource to fetch (notification.ts).
  const notification = notificationOf(connection, request, now, dedupeKey);
  return {
    connection,
    entry: inboxEntry(connection, request, now, dedupeKey),
    normalized: notification?.normalized ?? normalize(connection, request, now),
    ...(notification?.hydration ? { hydration: notification.hydration } : {}),
  };
}
