import { createHash } from 'node:crypto';
import type { TransactionSql } from 'postgres';
import type { Db } from './orders.ts';

/**
 * What became of a delivery. `received`: stored raw and answered, its normalization still to run (the deferred
 * intake, `server.intake: 'deferred'`); the normalizer moves it to one of the others in the transaction that writes
 * what it maps to.
 */
export type InboxStatus = 'received' | 'processed' | 'ignored' | 'failed';

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
 * exception) or is still `received` (the deferred intake has not normalized it yet), and neither it nor any
 * revision of it was imported since, and these bytes are none of theirs, the sender has corrected it and resent
 * it under the same id and time: it is stored as a revision of it, and the deliveries it supersedes are returned
 * with it. A superseded delivery that the normalizer then set aside (`ignored`, see claimReceived) does not count
 * as imported. Anything else is a duplicate (null).
 */
export async function storeDelivery(
  tx: Db,
  e: NewInboxEntry,
): Promise<{ id: string; supersedes: string[] } | null> {
  const id = await storeRaw(tx, e);
  if (id) return { id, supersedes: [] };
  const family = await tx<{ id: string; status: InboxStatus; same: boolean; superseded: boolean }[]>`
    with twin as (select id from inbox where connection_id = ${e.connectionId} and dedupe_key = ${e.dedupeKey}),
    family as (
      select i.id, i.status, i.body = ${bytea(e.body)} as same
      from inbox i where i.id in (select id from twin) or i.revision_of in (select id from twin)
    )
    select id::text, status, same, id < max(id) over () as superseded from family`;
  const open = (f: (typeof family)[number]) =>
    f.status === 'failed' || f.status === 'received' || (f.status === 'ignored' && f.superseded);
  if (!family.length || family.some((f) => !open(f) || f.same)) return null;
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

/**
 * A delivery stored raw whose normalization is still to run, as the normalizer claims it. `supersededBy`: the
 * newest corrected resend of it stored since (its revision), which carries the order instead of it.
 */
export type ReceivedEntry = InboxEntry & { revisionOf: string | null; supersededBy: string | null };

/**
 * In a batch statement whose deliveries are `d` (their body base64 text): whether the key of `d` is held, with
 * other bytes, by a delivery that may take a revision (perhaps a corrected resend): one that failed, one not
 * yet normalized (`received`), or one already revised. `storeDelivery` then judges that delivery alone.
 */
export function heldForRevision(sql: Db) {
  return sql`exists (select 1 from inbox x
                     where x.connection_id = d.connection_id and x.dedupe_key = d.dedupe_key
                       and x.body <> decode(d.body, 'base64')
                       and (x.status in ('failed', 'received')
                            or exists (select 1 from inbox r where r.revision_of = x.id)))`;
}

/**
 * Stores raw deliveries as `received`, in one statement (atomic by itself: no BEGIN/COMMIT round trip). Returns,
 * for each entry in order, its inbox id, or `null` when its key is taken: a plain duplicate, or (`recheck`) a key
 * held, with other bytes, by a failed or still received delivery or one already revised (perhaps a corrected
 * resend), or by another entry of the same batch: `storeDelivery` judges those alone.
 */
export async function storeReceived(
  sql: Db,
  entries: Omit<NewInboxEntry, 'status' | 'revisionOf'>[],
): Promise<{ id: string | null; recheck: boolean }[]> {
  const rows = entries.map((e, i) => ({
    i,
    tenant_id: e.tenantId,
    connection_id: e.connectionId,
    dedupe_key: e.dedupeKey,
    received_at: e.receivedAt.toISOString(),
    method: e.method,
    path: e.path,
    headers: e.headers,
    content_type: e.contentType,
    body: bytea(e.body).toString('base64'),
  }));
  const [row] = await sql<{ stored: [number, string][]; recheck: number[] }[]>`
    with d as (
      select * from jsonb_to_recordset(${sql.json(rows as never)}) as d(
        i int, tenant_id text, connection_id text, dedupe_key text, received_at timestamptz, method text, path text,
        headers jsonb, content_type text, body text)
    ), firsts as (
      select distinct on (connection_id, dedupe_key) * from d order by connection_id, dedupe_key, i
    ), ib as (
      insert into inbox (tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type, body,
                         status)
      select tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type,
             decode(body, 'base64'), 'received'
      from firsts
      order by connection_id, dedupe_key
      on conflict (connection_id, dedupe_key) do nothing
      returning id, connection_id, dedupe_key
    ), stored as (
      select f.i, ib.id from ib join firsts f using (connection_id, dedupe_key)
    )
    select coalesce((select jsonb_agg(jsonb_build_array(i, id::text)) from stored), '[]') as stored,
           coalesce((select jsonb_agg(d.i) from d
                     where not exists (select 1 from stored s where s.i = d.i)
                       and (not exists (select 1 from firsts f where f.i = d.i) or ${heldForRevision(sql)})),
                    '[]') as recheck`;
  const ids = new Map(row!.stored);
  const recheck = new Set(row!.recheck);
  return entries.map((_, i) => ({ id: ids.get(i) ?? null, recheck: recheck.has(i) }));
}

/**
 * Claims up to `limit` received deliveries of these connections, oldest first, for the caller's transaction:
 * locked until it commits (having moved them on) or rolls back (they are claimed again), skipped by any other
 * normalizer meanwhile. So each is normalized exactly once, and a crash leaves them for the next start. Each comes
 * with the newest revision stored after it, if any (by the partial index on revision_of): that one is imported
 * instead, so the claimed one must not be. The lock is `no key update`: a corrected resend stored meanwhile as a
 * revision of a claimed delivery (its foreign key takes a key-share lock) is answered without waiting for the turn.
 */
export async function claimReceived(
  tx: Db,
  connectionIds: readonly string[],
  limit: number,
): Promise<ReceivedEntry[]> {
  const rows = await tx<(Omit<ReceivedEntry, 'body'> & { body: Buffer })[]>`
    select id::text, tenant_id as "tenantId", connection_id as "connectionId", dedupe_key as "dedupeKey",
           received_at as "receivedAt", method, path, headers, content_type as "contentType", body, status,
           revision_of::text as "revisionOf",
           (select max(r.id)::text from inbox r
            where r.revision_of = coalesce(inbox.revision_of, inbox.id) and r.id > inbox.id) as "supersededBy"
    from inbox
    where status = 'received' and connection_id = any(${tx.array(connectionIds as string[])})
    order by id
    limit ${limit}
    for no key update skip locked`;
  return rows.map((r) => ({ ...r, body: new Uint8Array(r.body) }));
}

/**
 * Locks the deliveries a revision supersedes (its original and the revisions before it) for the caller's
 * transaction, and returns their ids; or null, without waiting, when another normalizer holds one of them: it is
 * normalizing that one right now, and the revision waits for a later turn, so that what it supersedes is settled
 * (its exception committed, to be resolved) before the revision is imported. Never waiting means two normalizers
 * holding parts of one family cannot deadlock.
 */
export async function lockSuperseded(
  tx: TransactionSql,
  revision: { id: string; revisionOf: string },
): Promise<string[] | null> {
  try {
    const rows = await tx.savepoint(
      (sp) => sp<{ id: string }[]>`
        select id::text from inbox
        where (id = ${revision.revisionOf} or revision_of = ${revision.revisionOf}) and id < ${revision.id}
        order by id
        for no key update nowait`,
    );
    return rows.map((r) => r.id);
  } catch (error) {
    // lock_not_available: another transaction holds one of them.
    if ((error as { code?: unknown }).code === '55P03') return null;
    throw error;
  }
}

/**
 * Received deliveries still waiting for normalization, of these connections (all when none are named): what the
 * normalizer says it found at start, and the benchmark's backlog.
 */
export async function receivedBacklog(sql: Db, connectionIds?: readonly string[]): Promise<number> {
  const [row] = await sql<{ n: string }[]>`
    select count(*) as n from inbox
    where status = 'received'
      ${connectionIds ? sql`and connection_id = any(${sql.array(connectionIds as string[])})` : sql``}`;
  return Number(row!.n);
}

/**
 * Stores an operator's correction of a delivery's payload beside it, as a revision of the original delivery
 * (never over it): the original's headers, a header naming who edited it, and the corrected bytes, under the
 * original's key and the hash of the new bytes (the same edit saved twice is one revision). Answers its id.
 */
export async function storeEditedInput(
  tx: Db,
  original: InboxEntry,
  body: Uint8Array,
  by: string,
): Promise<string> {
  // Revisions hang off the first delivery of their family, as corrected resends do.
  const [root] = await tx<{ id: string }[]>`
    select coalesce(revision_of, id)::text as id from inbox where id = ${original.id}`;
  // Named by the family's first delivery and the new bytes: never another delivery's key, whatever a
  // connector's own keys look like, and the same correction of the same delivery is one revision.
  const family = root?.id ?? String(original.id);
  const dedupeKey = `edit:${family}:${createHash('sha256').update(body).digest('hex')}`;
  const id = await storeRaw(tx, {
    tenantId: original.tenantId,
    connectionId: original.connectionId,
    dedupeKey,
    receivedAt: new Date(),
    method: original.method,
    path: original.path,
    headers: { ...original.headers, 'x-switchyard-edited-by': by },
    contentType: original.contentType,
    body,
    status: 'failed',
    revisionOf: family,
  });
  if (id) return id;
  const [row] = await tx<{ id: string }[]>`
    select id::text from inbox where connection_id = ${original.connectionId} and dedupe_key = ${dedupeKey}`;
  return row!.id;
}
