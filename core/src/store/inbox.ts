import { createHash } from 'node:crypto';
import type { Db } from './orders.ts';

export type InboxStatus = 'processed' | 'ignored' | 'failed';

export interface NewInboxEntry {
  tenantId: string;
  connectionId: string;
  dedupeKey: string;
  receivedAt: Date;
  method: string;
  path: string;
  headers: Record<string, string>;
  contentType: string;
  body: Uint8Array;
  status: InboxStatus;
  /** The failed delivery this one corrects (see storeDelivery). */
  revisionOf?: string;
}

export interface InboxEntry extends NewInboxEntry {
  id: string;
}

/** A Buffer view of the bytes, without copying. */
export function bytea(body: Uint8Array): Buffer {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Stores a raw payload once; returns its id, or null when this (connection, dedupe key) is already stored. */
export async function storeRaw(tx: Db, e: NewInboxEntry): Promise<string | null> {
  const [row] = await tx<{ id: string }[]>`
    insert into inbox (tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type, body,
                       status, processed_at, revision_of)
    values (${e.tenantId}, ${e.connectionId}, ${e.dedupeKey}, ${e.receivedAt}, ${e.method}, ${e.path},
            ${tx.json(e.headers)}, ${e.contentType}, ${bytea(e.body)},
            ${e.status}, now(), ${e.revisionOf ?? null})
    on conflict (connection_id, dedupe_key) do nothing
    returning id`;
  return row?.id ?? null;
}

/**
 * The key a corrected resend is kept under: its twin's key and the hash of its own bytes. Deterministic, so the
 * same corrected bytes sent again are a duplicate of the revision.
 */
export function revisionKey(key: string, body: Uint8Array): string {
  return `${key}#rev:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * Stores a delivery once under its dedupe key. When the key is taken by a delivery that failed (it became an
 * exception), and neither it nor any revision of it was imported since, and these bytes are none of theirs, the
 * sender has corrected it and resent it under the same id and time: it is stored as a revision of it, and the
 * failed deliveries it supersedes are returned with it. Anything else is a duplicate (null).
 */
export async function storeDelivery(
  tx: Db,
  e: NewInboxEntry,
): Promise<{ id: string; supersedes: string[] } | null> {
  const id = await storeRaw(tx, e);
  if (id) return { id, supersedes: [] };
  const family = await tx<{ id: string; status: InboxStatus; same: boolean }[]>`
    with twin as (select id from inbox where connection_id = ${e.connectionId} and dedupe_key = ${e.dedupeKey})
    select i.id::text, i.status, i.body = ${bytea(e.body)} as same
    from inbox i where i.id in (select id from twin) or i.revision_of in (select id from twin)`;
  if (!family.length || family.some((f) => f.status !== 'failed' || f.same)) return null;
  const original = family.reduce((a, b) => (BigInt(a.id) < BigInt(b.id) ? a : b));
  const revision = await storeRaw(tx, {
    ...e,
    dedupeKey: revisionKey(e.dedupeKey, e.body),
    revisionOf: original.id,
  });
  return revision ? { id: revision, supersedes: family.map((f) => f.id) } : null;
}

export async function setInboxStatus(tx: Db, id: string, status: InboxStatus): Promise<void> {
  await tx`update inbox set status = ${status}, processed_at = now() where id = ${id}`;
}

export async function getInboxEntry(tx: Db, id: string): Promise<InboxEntry | undefined> {
  const [row] = await tx<(Omit<InboxEntry, 'body'> & { body: Buffer })[]>`
    select id, tenant_id as "tenantId", connection_id as "connectionId", dedupe_key as "dedupeKey",
           received_at as "receivedAt", method, path, headers, content_type as "contentType", body, status
    from inbox where id = ${id}`;
  return row ? { ...row, body: new Uint8Array(row.body) } : undefined;
}
