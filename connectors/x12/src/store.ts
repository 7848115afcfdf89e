import type { Sql } from '@switchyard/core';
import type { SetError } from './validate.ts';

/**
 * The partner's EDI state in PostgreSQL: control-number counters, interchanges and groups already received,
 * and the documents we send with their delivery and acknowledgment. Every function takes the caller's
 * transaction: a control number is taken in the same transaction that stores the document carrying it.
 */

type Db = Sql;

export type CounterKind = 'isa' | 'gs' | 'st' | 'sscc';

/**
 * Where a counter lives: control numbers per envelope pair (our ISA identity and the partner's), so two
 * connections to one partner never send the same ISA13; carton serials per GS1 company prefix.
 */
export function envelopeScope(profile: {
  us: { qualifier: string; id: string };
  partner: { qualifier: string; id: string };
}): string {
  return `${profile.us.qualifier}/${profile.us.id}>${profile.partner.qualifier}/${profile.partner.id}`;
}

/** The next number of a counter; 1 the first time. Never the same number twice (9 digits, then 1 again). */
export async function nextNumber(tx: Db, scope: string, kind: CounterKind): Promise<number> {
  const [row] = await tx<{ last_value: string }[]>`
    insert into edi_counters (scope, kind, last_value) values (${scope}, ${kind}, 1)
    on conflict (scope, kind) do update
      set last_value = case when edi_counters.last_value >= 999999999 then 1 else edi_counters.last_value + 1 end
    returning last_value`;
  return Number(row!.last_value);
}

/** How long a received control number blocks the same number (X12 asks at least 30 days). */
export const DUPLICATE_WINDOW_DAYS = 30;

/** Records an interchange as received; false when the same sender, receiver and ISA13 came within the window. */
export async function firstReceipt(
  tx: Db,
  row: {
    connectionId: string;
    sender: string;
    receiver: string;
    control: string;
    inboxId: string;
    status: string;
  },
): Promise<boolean> {
  const taken = await tx<{ control: string }[]>`
    insert into edi_interchanges (connection_id, sender, receiver, control, inbox_id, status)
    values (${row.connectionId}, ${row.sender}, ${row.receiver}, ${row.control}, ${row.inboxId}, ${row.status})
    on conflict (connection_id, sender, receiver, control) do update
      set inbox_id = excluded.inbox_id, status = excluded.status, received_at = now()
      where edi_interchanges.received_at < now() - make_interval(days => ${DUPLICATE_WINDOW_DAYS})
    returning control`;
  return taken.length > 0;
}

/** Records a functional group as received; false when GS06 from this GS02 came within the window. */
export async function firstGroup(
  tx: Db,
  connectionId: string,
  sender: string,
  control: string,
): Promise<boolean> {
  const taken = await tx<{ control: string }[]>`
    insert into edi_groups (connection_id, sender, control) values (${connectionId}, ${sender}, ${control})
    on conflict (connection_id, sender, control) do update set received_at = now()
      where edi_groups.received_at < now() - make_interval(days => ${DUPLICATE_WINDOW_DAYS})
    returning control`;
  return taken.length > 0;
}

/**
 * The inbox entry a file was stored as the first time it came (by its dedupe key), with the exception it was
 * given then (the open one first): what a repeat of a file the hub could not read points the sender to.
 */
export async function earlierFile(
  tx: Db,
  connectionId: string,
  dedupeKey: string,
): Promise<{ inboxId: string; exceptionId: string | null } | undefined> {
  const [row] = await tx<{ inboxId: string; exceptionId: string | null }[]>`
    select i.id::text as "inboxId", e.id as "exceptionId"
    from inbox i left join exceptions e on e.inbox_id = i.id
    where i.connection_id = ${connectionId} and i.dedupe_key = ${dedupeKey}
    order by (e.status = 'open') desc nulls last, e.created_at desc nulls last
    limit 1`;
  return row;
}

export type DocumentKind = 'TA1' | '997' | '999' | '855' | '856' | '810';

export interface StoredDocument {
  id: string;
  connectionId: string;
  kind: DocumentKind;
  orderId: string | null;
  isaControl: string;
  gsControl: string | null;
  stControl: string | null;
  body: string;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
  ackStatus: string | null;
  ackErrors: unknown;
  ackedAt: Date | null;
  dueAt: Date | null;
  ackDueAt: Date | null;
  createdAt: Date;
}

/** The document columns every read of edi_documents selects, in the shape `toDocument` reads. */
export const COLUMNS =
  'id, connection_id, kind, order_id, isa_control, gs_control, st_control, body, status, attempts, last_error, sent_at, ack_status, ack_errors, acked_at, due_at, ack_due_at, created_at';

export interface Row {
  id: string;
  connection_id: string;
  kind: DocumentKind;
  order_id: string | null;
  isa_control: string;
  gs_control: string | null;
  st_control: string | null;
  body: string;
  status: StoredDocument['status'];
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  ack_status: string | null;
  ack_errors: unknown;
  acked_at: Date | null;
  due_at: Date | null;
  ack_due_at: Date | null;
  created_at: Date;
}

export function toDocument(r: Row): StoredDocument {
  return {
    id: String(r.id),
    connectionId: r.connection_id,
    kind: r.kind,
    orderId: r.order_id,
    isaControl: r.isa_control,
    gsControl: r.gs_control,
    stControl: r.st_control,
    body: r.body,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    sentAt: r.sent_at,
    ackStatus: r.ack_status,
    ackErrors: r.ack_errors,
    ackedAt: r.acked_at,
    dueAt: r.due_at,
    ackDueAt: r.ack_due_at,
    createdAt: r.created_at,
  };
}

export async function findDocument(
  tx: Db,
  connectionId: string,
  idempotencyKey: string,
): Promise<StoredDocument | undefined> {
  const [row] = await tx.unsafe<Row[]>(
    `select ${COLUMNS} from edi_documents where connection_id = $1 and idempotency_key = $2`,
    [connectionId, idempotencyKey],
  );
  return row ? toDocument(row) : undefined;
}

export async function insertDocument(
  tx: Db,
  doc: {
    tenantId: string;
    connectionId: string;
    idempotencyKey: string;
    kind: DocumentKind;
    orderId?: string | undefined;
    isaControl: string;
    gsControl?: string | undefined;
    stControl?: string | undefined;
    body: string;
    /** Business documents wait for the partner's 997. */
    awaitAck: boolean;
    dueAt?: Date | undefined;
  },
): Promise<StoredDocument> {
  const [row] = await tx.unsafe<Row[]>(
    `insert into edi_documents (tenant_id, connection_id, idempotency_key, kind, order_id, isa_control, gs_control,
                                st_control, body, ack_status, due_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     returning ${COLUMNS}`,
    [
      doc.tenantId,
      doc.connectionId,
      doc.idempotencyKey,
      doc.kind,
      doc.orderId ?? null,
      doc.isaControl,
      doc.gsControl ?? null,
      doc.stControl ?? null,
      doc.body,
      doc.awaitAck ? 'awaiting' : null,
      doc.dueAt ?? null,
    ],
  );
  return toDocument(row!);
}

export async function listDocuments(
  sql: Db,
  filter: { connectionId?: string; orderId?: string; tenantId?: string; limit?: number },
): Promise<StoredDocument[]> {
  const rows = await sql.unsafe<Row[]>(
    `select ${COLUMNS} from edi_documents
      where ($1::text is null or connection_id = $1) and ($2::text is null or order_id = $2)
        and ($3::text is null or tenant_id = $3)
      order by id desc limit $4`,
    [filter.connectionId ?? null, filter.orderId ?? null, filter.tenantId ?? null, filter.limit ?? 100],
  );
  return rows.map(toDocument);
}

/**
 * Claims documents due for delivery for this process: each is `sending` until `leaseMs` from now, in a short
 * transaction of its own, so no transaction stays open while the partner is called. A process that dies with a
 * claim leaves it to be taken again when the lease ends.
 */
export async function claimQueued(sql: Db, limit: number, leaseMs: number): Promise<StoredDocument[]> {
  const rows = await sql.unsafe<Row[]>(
    `update edi_documents set status = 'sending', next_attempt_at = now() + make_interval(secs => $2)
      where id in (select id from edi_documents where status in ('queued', 'sending') and next_attempt_at <= now()
                    order by next_attempt_at limit $1 for update skip locked)
      returning ${COLUMNS}`,
    [limit, leaseMs / 1000],
  );
  return rows.map(toDocument);
}

export async function markSent(tx: Db, id: string, ackWithinHours: number | undefined): Promise<void> {
  await tx`
    update edi_documents set status = 'sent', sent_at = coalesce(sent_at, now()), attempts = attempts + 1, last_error = null,
      ack_due_at = case when ack_status = 'awaiting' and ${ackWithinHours ?? null}::float8 is not null
                        then now() + make_interval(secs => ${(ackWithinHours ?? 0) * 3600}) end
    where id = ${id}`;
}

export async function markAttemptFailed(
  tx: Db,
  id: string,
  error: string,
  retryInMs: number | null,
): Promise<void> {
  await tx`
    update edi_documents set attempts = attempts + 1, last_error = ${error.slice(0, 2000)},
      status = case when ${retryInMs}::float8 is null then 'failed' else 'queued' end,
      next_attempt_at = now() + make_interval(secs => ${(retryInMs ?? 0) / 1000})
    where id = ${id}`;
}

/** Puts a failed document back in the queue (an operator's retry). */
export async function requeue(tx: Db, id: string): Promise<boolean> {
  const rows =
    await tx`update edi_documents set status = 'queued', next_attempt_at = now() where id = ${id} and status = 'failed' returning id`;
  return rows.length > 0;
}

export interface AckOutcome {
  status: 'accepted' | 'partially-accepted' | 'rejected';
  errors: (SetError | { message: string })[];
}

/** The partner's 997 for one of our sets (matched by our GS06 and ST02). Returns the documents it closed. */
export async function recordAck(
  tx: Db,
  connectionId: string,
  gsControl: string,
  stControl: string | undefined,
  outcome: AckOutcome,
): Promise<StoredDocument[]> {
  const rows = await tx.unsafe<Row[]>(
    `update edi_documents set ack_status = $4, ack_errors = $5::jsonb, acked_at = now()
      where connection_id = $1 and gs_control = $2 and ($3::text is null or st_control = $3)
        and kind in ('855', '856', '810')
      returning ${COLUMNS}`,
    [connectionId, gsControl, stControl ?? null, outcome.status, JSON.stringify(outcome.errors)],
  );
  return rows.map(toDocument);
}

/** The partner's TA1 for our interchange (ISA13): a rejection rejects the business document it carried. */
export async function recordInterchangeAck(
  tx: Db,
  connectionId: string,
  isaControl: string,
  status: string,
  note: string,
): Promise<StoredDocument[]> {
  if (status !== 'R') return [];
  const rows = await tx.unsafe<Row[]>(
    `update edi_documents set ack_status = 'rejected', ack_errors = $3::jsonb, acked_at = now()
      where connection_id = $1 and isa_control = $2 and kind in ('855', '856', '810')
      returning ${COLUMNS}`,
    [
      connectionId,
      isaControl.padStart(9, '0'),
      JSON.stringify([{ code: note, message: `the partner's TA1 rejected the interchange (note ${note})` }]),
    ],
  );
  return rows.map(toDocument);
}

/** Records when an order's document is due (once: a later import of the same order changes nothing). */
export async function expectDocument(
  tx: Db,
  orderId: string,
  kind: DocumentKind,
  dueAt: Date,
): Promise<void> {
  await tx`insert into edi_due (order_id, kind, due_at) values (${orderId}, ${kind}, ${dueAt}) on conflict do nothing`;
}

/** Orders past a document's due time with no such document sent: flagged once and returned. */
export async function takeLate(
  tx: Db,
): Promise<
  { orderId: string; tenantId: string; connectionId: string; externalId: string; kind: string; dueAt: Date }[]
> {
  const rows = await tx<
    {
      order_id: string;
      tenant_id: string;
      connection_id: string;
      external_id: string;
      kind: string;
      due_at: Date;
    }[]
  >`
    update edi_due e set flagged_at = now()
      from orders o
     where e.order_id = o.id and e.flagged_at is null and e.due_at < now()
       and o.status not in ('cancelled', 'closed')
       and not exists (select 1 from edi_documents d where d.order_id = e.order_id and d.kind = e.kind)
    returning e.order_id, o.tenant_id, o.connection_id, o.external_id, e.kind, e.due_at`;
  return rows.map((r) => ({
    orderId: r.order_id,
    tenantId: r.tenant_id,
    connectionId: r.connection_id,
    externalId: r.external_id,
    kind: r.kind,
    dueAt: r.due_at,
  }));
}

/** Business documents whose acknowledgment is past due: marked overdue once and returned. */
export async function takeOverdue(tx: Db): Promise<(StoredDocument & { tenantId: string })[]> {
  const rows = await tx.unsafe<(Row & { tenant_id: string })[]>(
    `update edi_documents set ack_status = 'overdue'
      where ack_status = 'awaiting' and ack_due_at < now()
      returning ${COLUMNS}, tenant_id`,
  );
  return rows.map((r) => ({ ...toDocument(r), tenantId: r.tenant_id }));
}
