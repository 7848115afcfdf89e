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
                       status, processed_at)
    values (${e.tenantId}, ${e.connectionId}, ${e.dedupeKey}, ${e.receivedAt}, ${e.method}, ${e.path},
            ${tx.json(e.headers)}, ${e.contentType}, ${bytea(e.body)},
            ${e.status}, now())
    on conflict (connection_id, dedupe_key) do nothing
    returning id`;
  return row?.id ?? null;
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
