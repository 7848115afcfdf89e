import type { InboundRequest } from './connector.ts';
import { newId } from './ids.ts';
import {
  type Connection,
  type IntakeOutcome,
  isConflict,
  isTransientDbError,
  type PreparedDelivery,
  prepare,
  sourceOf,
  store,
} from './intake.ts';
import type { Sql } from './store/db.ts';
import { storableDetail, storableText } from './store/exceptions.ts';
import { bytea } from './store/inbox.ts';
import { columns, toOrder } from './store/orders.ts';

interface Waiting {
  delivery: PreparedDelivery;
  resolve(outcome: IntakeOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the webhook intake. Concurrent deliveries are written together
 * in one transaction (multi-row inserts into inbox, orders, order_events,
 * exceptions), and each caller is answered only after that commit, with the same
 * outcome it would get alone. No delivery waits for a batch to fill: a batch forms
 * only from what arrived while earlier batches were being written.
 *
 * A batch handles deliveries that are new orders, ignored payloads and
 * normalization failures. Anything else (an update to an existing order, a
 * refused status change, a row the database rejects) undoes the batch, and each of
 * its deliveries goes through `store`, alone, so one delivery never fails another.
 */
export class IntakeQueue {
  readonly #sql: Sql;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #waiting: Waiting[] = [];
  #writing = 0;
  readonly #stats = { deliveries: 0, batches: 0, fallbacks: 0, rejectedBatches: 0 };

  constructor(sql: Sql, options: { maxBatch?: number; concurrency?: number } = {}) {
    this.#sql = sql;
    this.#maxBatch = options.maxBatch ?? 128;
    this.#concurrency = options.concurrency ?? 4;
  }

  /** Deliveries taken, batches committed, batches redone one delivery at a time (of which rejected by the database). */
  stats(): { deliveries: number; batches: number; fallbacks: number; rejectedBatches: number } {
    return { ...this.#stats };
  }

  receive(
    connection: Connection,
    request: InboundRequest,
    now: () => Date = () => new Date(),
    dedupeKey?: string,
  ): Promise<IntakeOutcome> {
    this.#stats.deliveries++;
    const delivery = prepare(connection, request, now, dedupeKey);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ delivery, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#writing < this.#concurrency && this.#waiting.length) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#writing++;
      void this.#write(batch).finally(() => {
        this.#writing--;
        this.#pump();
      });
    }
  }

  async #write(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await writeBatch(
        this.#sql,
        batch.map((b) => b.delivery),
      );
      this.#stats.batches++;
      const recheck: Waiting[] = [];
      for (const [i, b] of batch.entries()) {
        const outcome = outcomes[i]!;
        if (outcome === RECHECK) recheck.push(b);
        else b.resolve(outcome);
      }
      // Its key was taken by a delivery that failed, with other bytes: perhaps a corrected resend. `store`
      // tells, within this writer's slot (so the concurrency bound holds).
      await Promise.all(
        recheck.map((b) =>
          store(this.#sql, b.delivery).then(
            (outcome) => b.resolve(outcome),
            (error: unknown) => b.reject(error),
          ),
        ),
      );
      return;
    } catch (error) {
      // Connection trouble: nothing can be stored now, the senders retry (503). A deadlock or
      // serialization failure between concurrent writers is retried below, one delivery at a time.
      if (isTransientDbError(error) && !isConflict(error)) {
        for (const b of batch) b.reject(error);
        return;
      }
      // BATCH_REFUSED (an update in the batch) or a row the database rejected: one by one.
      if ((error as { code?: unknown }).code !== BATCH_REFUSED) this.#stats.rejectedBatches++;
      this.#stats.fallbacks++;
    }
    for (const b of batch) {
      try {
        b.resolve(await store(this.#sql, b.delivery));
      } catch (error) {
        b.reject(error);
      }
    }
  }
}

/** A delivery whose key was taken by one that failed, or by another of the same batch: `store` decides. */
const RECHECK = Symbol('recheck');

/** SQLSTATE of switchyard_abort_unless: the batch was undone and must be stored delivery by delivery. */
const BATCH_REFUSED = 'SYRTY';

/**
 * One statement for the whole batch: it is atomic by itself, so there is no
 * BEGIN/COMMIT round trip, and on a 2-core machine every round trip costs a
 * scheduling delay. The deliveries, orders and exceptions go in as jsonb
 * recordsets; the first delivery per dedupe key is stored, later ones are duplicates.
 */
async function writeBatch(
  sql: Sql,
  deliveries: PreparedDelivery[],
): Promise<(IntakeOutcome | typeof RECHECK)[]> {
  const inbox: Record<string, unknown>[] = [];
  const orders: Record<string, unknown>[] = [];
  const exceptions: Record<string, unknown>[] = [];
  /** Each delivery's outcome once its inbox id is known. */
  const planned: ((inboxId: string) => IntakeOutcome)[] = [];

  deliveries.forEach(({ connection, entry, normalized }, i) => {
    inbox.push({
      i,
      tenant_id: entry.tenantId,
      connection_id: entry.connectionId,
      dedupe_key: entry.dedupeKey,
      received_at: entry.receivedAt.toISOString(),
      method: entry.method,
      path: entry.path,
      headers: entry.headers,
      content_type: entry.contentType,
      body: bytea(entry.body).toString('base64'),
      status: !normalized.ok ? 'failed' : normalized.drafts.length ? 'processed' : 'ignored',
    });
    if (!normalized.ok) {
      const exceptionId = newId('exc');
      exceptions.push({
        i,
        id: exceptionId,
        tenant_id: entry.tenantId,
        connection_id: entry.connectionId,
        message: storableText(normalized.message),
        detail: storableDetail(normalized.detail),
      });
      planned.push((inboxId) => ({ status: 'exception', inboxId, exceptionId, message: normalized.message }));
      return;
    }
    if (!normalized.drafts.length) {
      const reason = normalized.ignored ?? 'no orders in payload';
      planned.push((inboxId) => ({ status: 'ignored', inboxId, reason }));
      return;
    }
    const source = sourceOf(connection);
    const created = normalized.drafts.map((draft) => {
      const id = newId('ord');
      orders.push({
        i,
        id,
        tenant_id: source.tenantId,
        connection_id: source.connectionId,
        connector: source.connector,
        external_id: draft.externalId,
        ...columns(draft),
        data: toOrder(id, source, draft, 1),
      });
      return { result: 'created' as const, orderId: id, version: 1 };
    });
    planned.push((inboxId) => ({ status: 'accepted', inboxId, orders: created }));
  });

  const [row] = await sql<{ stored: [number, string][]; recheck: number[] }[]>`
    with d as (
      select * from jsonb_to_recordset(${sql.json(inbox as never)}) as d(
        i int, tenant_id text, connection_id text, dedupe_key text, received_at timestamptz, method text, path text,
        headers jsonb, content_type text, body text, status text)
    ), firsts as (
      select distinct on (connection_id, dedupe_key) * from d order by connection_id, dedupe_key, i
    ), ib as (
      insert into inbox (tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type, body,
                         status, processed_at)
      select tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type,
             decode(body, 'base64'), status, now()
      from firsts
      order by connection_id, dedupe_key
      on conflict (connection_id, dedupe_key) do nothing
      returning id, connection_id, dedupe_key
    ), stored as (
      select f.i, ib.id from ib join firsts f using (connection_id, dedupe_key)
    ), recheck as (
      -- Not stored, and not plainly a duplicate: a later twin within this batch (whose first is invisible to this
      -- statement), or a delivery whose key a failed one holds with other bytes.
      select d.i from d
      where not exists (select 1 from stored s where s.i = d.i)
        and (not exists (select 1 from firsts f where f.i = d.i)
             or exists (select 1 from inbox x
                        where x.connection_id = d.connection_id and x.dedupe_key = d.dedupe_key
                          and x.status = 'failed' and x.body <> decode(d.body, 'base64')))
    ), o_in as (
      select x.* from jsonb_to_recordset(${sql.json(orders as never)}) as x(
        i int, id text, tenant_id text, connection_id text, connector text, external_id text, external_number text,
        status text, currency text, total_amount bigint, po_number text, placed_at timestamptz,
        source_updated_at timestamptz, data jsonb)
      join stored s on s.i = x.i
    ), o as (
      insert into orders (id, tenant_id, connection_id, connector, external_id, external_number, status, currency,
                          total_amount, po_number, placed_at, source_updated_at, version, data)
      select id, tenant_id, connection_id, connector, external_id, external_number, status, currency, total_amount,
             po_number, placed_at, source_updated_at, 1, data
      from o_in
      order by tenant_id, connection_id, external_id -- one lock order for all batches: no deadlocks between them
      on conflict (tenant_id, connection_id, external_id) do nothing
      returning id
    ), ev as (
      insert into order_events (order_id, tenant_id, version, type, data, inbox_id)
      select o_in.id, o_in.tenant_id, 1, 'order.created', jsonb_build_object('status', o_in.status), s.id
      from o_in join o on o.id = o_in.id join stored s on s.i = o_in.i
    ), ex as (
      insert into exceptions (id, tenant_id, connection_id, kind, inbox_id, message, detail)
      select x.id, x.tenant_id, x.connection_id, 'normalize', s.id, x.message, x.detail
      from jsonb_to_recordset(${sql.json(exceptions as never)}) as x(
        i int, id text, tenant_id text, connection_id text, message text, detail jsonb)
      join stored s on s.i = x.i
    )
    select coalesce((select jsonb_agg(jsonb_build_array(i, id::text)) from stored), '[]') as stored,
           coalesce((select jsonb_agg(i) from recheck), '[]') as recheck,
           switchyard_abort_unless((select count(*) from o) = (select count(*) from o_in),
                                   'an order in the batch already exists') as taken`;
  const inboxIds = new Map(row!.stored);
  const recheck = new Set(row!.recheck);
  return planned.map((outcome, i) => {
    const inboxId = inboxIds.get(i);
    if (inboxId !== undefined) return outcome(inboxId);
    return recheck.has(i) ? RECHECK : { status: 'duplicate', dedupeKey: deliveries[i]!.entry.dedupeKey };
  });
}
