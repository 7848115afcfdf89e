import type { Sql as Db } from '@switchyard/core';
import { COLUMNS, type DocumentKind, type Row, type StoredDocument, toDocument } from './store.ts';

// What operators list (the REST API, the console): documents sent to partners a page at a time, one document,
// and the interchanges received. Reads only; the writes are in store.ts.

/** Which partner documents a list shows: every filter narrows it. */
export interface DocumentFilter {
  tenantId: string;
  connectionId?: string;
  kind?: DocumentKind;
  /** Business documents whose acknowledgment is late, and documents whose delivery gave up. */
  overdue?: boolean;
  /** Only documents with an id below this one (the previous page's last). */
  beforeId?: string;
  limit?: number;
}

/**
 * One tenant's outbound documents, newest first, a page at a time (keyset on the id), with their delivery and
 * acknowledgment status; `next` is the id to pass as `beforeId` for the page after this one.
 */
export async function pageDocuments(
  sql: Db,
  filter: DocumentFilter,
): Promise<{ documents: Omit<StoredDocument, 'body'>[]; next: string | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const rows = await sql.unsafe<Row[]>(
    `select ${COLUMNS} from edi_documents
      where tenant_id = $1 and ($2::text is null or connection_id = $2) and ($3::text is null or kind = $3)
        and ($4::boolean is not true or ack_status = 'overdue' or status = 'failed'
             or (ack_status = 'awaiting' and ack_due_at < now()))
        and ($5::bigint is null or id < $5)
      order by id desc limit $6`,
    [
      filter.tenantId,
      filter.connectionId ?? null,
      filter.kind ?? null,
      filter.overdue ?? false,
      filter.beforeId ?? null,
      limit + 1,
    ],
  );
  const page = rows.slice(0, limit).map((r) => {
    const { body: _body, ...doc } = toDocument(r);
    return doc;
  });
  return { documents: page, next: rows.length > limit ? page.at(-1)!.id : null };
}

/** One outbound document of the tenant, with its body, or undefined. */
export async function documentOf(sql: Db, tenantId: string, id: string): Promise<StoredDocument | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const [row] = await sql.unsafe<Row[]>(
    `select ${COLUMNS} from edi_documents where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row ? toDocument(row) : undefined;
}

/** An interchange a partner sent, as the hub judged it. */
export interface ReceivedInterchange {
  connectionId: string;
  sender: string;
  receiver: string;
  control: string;
  inboxId: string | null;
  status: string;
  receivedAt: Date;
}

/** One tenant's received interchanges, newest first. */
export async function listInterchanges(
  sql: Db,
  filter: { tenantId: string; connectionId?: string; limit?: number },
): Promise<ReceivedInterchange[]> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const rows = await sql.unsafe<
    {
      connection_id: string;
      sender: string;
      receiver: string;
      control: string;
      inbox_id: string | null;
      status: string;
      received_at: Date;
    }[]
  >(
    `select i.connection_id, i.sender, i.receiver, i.control, i.inbox_id::text, i.status, i.received_at
       from edi_interchanges i join connections c on c.id = i.connection_id
      where c.tenant_id = $1 and ($2::text is null or i.connection_id = $2)
      order by i.received_at desc limit $3`,
    [filter.tenantId, filter.connectionId ?? null, limit],
  );
  return rows.map((r) => ({
    connectionId: r.connection_id,
    sender: r.sender,
    receiver: r.receiver,
    control: r.control,
    inboxId: r.inbox_id,
    status: r.status,
    receivedAt: r.received_at,
  }));
}
