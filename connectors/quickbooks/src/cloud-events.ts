import { type BooksChange, bodyText, type StoredPayload } from '@switchyard/core';

/**
 * What a QuickBooks webhook delivery names, in either of Intuit's shapes:
 * - CloudEvents (since 2026): a JSON array of `{ specversion: "1.0", id, source, type:
 *   "qbo.<entity>.<created|updated|deleted|merged|voided|emailed>.v1", time, intuitentityid, intuitaccountid
 *   (the realm), datacontenttype, data }`; one POST may carry several companies' events;
 * - the legacy body `{ eventNotifications: [{ realmId, dataChangeEvent: { entities: [{ name, id, operation,
 *   lastUpdated }] } }] }`, which has no event id: one is built of realm, entity, id and lastUpdated.
 * Pure, and never throws: a body of neither shape, or an event missing what it needs, names nothing.
 */
const TYPE = /^qbo\.([a-z]+)\.([a-z]+)\.v\d+$/i;

/** The legacy operations, in the CloudEvents' past tense. */
const LEGACY_OPERATIONS: Readonly<Record<string, string>> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  merge: 'merged',
  void: 'voided',
  emailed: 'emailed',
};

const str = (value: unknown) =>
  typeof value === 'string' && value.trim()
    ? value.trim()
    : typeof value === 'number'
      ? String(value)
      : undefined;

function cloudEvent(event: unknown): BooksChange | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  const type = str(e.type);
  const match = type ? TYPE.exec(type) : null;
  const eventId = str(e.id);
  const account = str(e.intuitaccountid);
  const id = str(e.intuitentityid);
  if (!match || !eventId || !account || !id) return undefined;
  const at = str(e.time);
  return {
    eventId,
    account,
    entity: match[1]!.toLowerCase(),
    id,
    operation: match[2]!.toLowerCase(),
    ...(at ? { at } : {}),
  };
}

function legacyChanges(body: Record<string, unknown>): BooksChange[] {
  const notifications = Array.isArray(body.eventNotifications) ? body.eventNotifications : [];
  return notifications.flatMap((n: unknown) => {
    const realm = str((n as { realmId?: unknown } | null)?.realmId);
    const entities = (n as { dataChangeEvent?: { entities?: unknown } } | null)?.dataChangeEvent?.entities;
    if (!realm || !Array.isArray(entities)) return [];
    return entities.flatMap((entity: unknown): BooksChange[] => {
      const e = (entity ?? {}) as Record<string, unknown>;
      const name = str(e.name)?.toLowerCase();
      const id = str(e.id);
      const operation = str(e.operation)?.toLowerCase();
      if (!name || !id || !operation) return [];
      const at = str(e.lastUpdated);
      return [
        {
          eventId: `${realm}:${name}:${id}:${at ?? operation}`,
          account: realm,
          entity: name,
          id,
          operation: LEGACY_OPERATIONS[operation] ?? operation,
          ...(at ? { at } : {}),
        },
      ];
    });
  });
}

/** Whether a body is a QuickBooks delivery at all (either shape), for normalize's refusal of anything else. */
export function isDelivery(body: unknown): boolean {
  return (
    Array.isArray(body) ||
    (!!body &&
      typeof body === 'object' &&
      Array.isArray((body as { eventNotifications?: unknown }).eventNotifications))
  );
}

export function parseBody(payload: Pick<StoredPayload, 'body'>): unknown {
  try {
    return JSON.parse(bodyText(payload.body));
  } catch {
    return undefined;
  }
}

export function booksChanges(payload: Pick<StoredPayload, 'body'>): BooksChange[] {
  const body = parseBody(payload);
  if (Array.isArray(body)) return body.map(cloudEvent).filter((c): c is BooksChange => !!c);
  if (body && typeof body === 'object') return legacyChanges(body as Record<string, unknown>);
  return [];
}
