import type { TransactionSql } from 'postgres';
import { newId } from '../ids.ts';
import { type Loop, startLoop } from '../loop.ts';
import type { Sql } from '../store/db.ts';
import { recordException, storableDetail, storableText, supersedeExceptions } from '../store/exceptions.ts';
import {
  claimReceived,
  lockSuperseded,
  type ReceivedEntry,
  receivedBacklog,
  setInboxStatus,
} from '../store/inbox.ts';
import { insertNewOrders, type NewOrderRow, newOrderRecordset, newOrderRow } from '../store/new-orders.ts';
import type { Db } from '../store/orders.ts';
import { type Connection, sourceOf } from './connection.ts';
import { isTransientDbError } from './database-errors.ts';
import { type Normalized, normalize } from './normalize.ts';
import { type Failure, failureOf } from './outcome.ts';
import { applyDrafts } from './store.ts';

/** What one turn of the normalizer did. */
export interface NormalizeReport {
  claimed: number;
  processed: number;
  ignored: number;
  failed: number;
}

interface Planned {
  row: ReceivedEntry;
  connection: Connection;
  normalized: Normalized;
}

/**
 * One turn: claims up to `limit` received deliveries, normalizes them in memory, and writes what they map to
 * (orders and their events, or exceptions) with their new inbox status in the same transaction as the claim: so
 * each is normalized exactly once, and a crash or a lost connection leaves them received, for the next turn or
 * the next start. New orders and failures go in one statement; when that cannot be (an update to an order that
 * exists, a value the database refuses) each delivery is written alone, in a savepoint, as the synchronous
 * intake's `store` would, and a refusal becomes an exception: never lost, never silent.
 */
export async function normalizeReceived(
  sql: Sql,
  connections: ReadonlyMap<string, Connection>,
  options: { limit?: number; now?: () => Date } = {},
): Promise<NormalizeReport> {
  const now = options.now ?? (() => new Date());
  return sql.begin(async (tx) => {
    const claimed = await claimReceived(tx, [...connections.keys()], options.limit ?? 64);
    const { rows, superseding } = await settleRevisions(tx, claimed);
    const planned = rows.map((row): Planned => {
      const connection = connections.get(row.connectionId)!;
      // A delivery a corrected resend superseded is not imported: the resend carries the order instead.
      const normalized: Normalized = row.supersededBy
        ? { ok: true, drafts: [], ignored: `superseded by its corrected resend, inbox ${row.supersededBy}` }
        : normalize(connection, row, now);
      return { row, connection, normalized };
    });
    const report: NormalizeReport = { claimed: rows.length, processed: 0, ignored: 0, failed: 0 };
    if (!rows.length) return report;
    // Whatever the revision becomes (an order, or its own exception to replay), it carries the order from now
    // on: the exceptions of what it supersedes are no longer work to do, as in the synchronous intake.
    for (const [revision, older] of superseding) await supersedeExceptions(tx, older, revision);
    try {
      await tx.savepoint((sp) => writeNormalized(sp, planned));
      for (const p of planned) report[statusOf(p.normalized)]++;
      return report;
    } catch (error) {
      if (isTransientDbError(error)) throw error;
    }
    for (const p of planned) report[await normalizeOne(tx, p)]++;
    return report;
  }) as Promise<NormalizeReport>;
}

/**
 * The claimed revisions (corrected resends) that are not themselves superseded lock what they supersede. One
 * whose original another normalizer is normalizing right now (it was claimed before the resend arrived) is left
 * received for a later turn, when that outcome is committed and its exception can be resolved; so the original
 * never wins over its correction, whichever normalizer commits first.
 */
async function settleRevisions(
  tx: TransactionSql,
  claimed: ReceivedEntry[],
): Promise<{ rows: ReceivedEntry[]; superseding: Map<string, string[]> }> {
  const rows: ReceivedEntry[] = [];
  const superseding = new Map<string, string[]>();
  for (const row of claimed) {
    if (row.revisionOf && !row.supersededBy) {
      const older = await lockSuperseded(tx, { id: row.id, revisionOf: row.revisionOf });
      if (!older) continue;
      superseding.set(row.id, older);
    }
    rows.push(row);
  }
  return { rows, superseding };
}

function statusOf(normalized: Normalized): 'processed' | 'ignored' | 'failed' {
  return !normalized.ok ? 'failed' : normalized.drafts.length ? 'processed' : 'ignored';
}

/** The whole batch in one statement, when it holds only new orders, ignored payloads and failures to map. */
async function writeNormalized(sql: Db, planned: Planned[]): Promise<void> {
  const done: Record<string, unknown>[] = [];
  const orders: (NewOrderRow & { i: number })[] = [];
  const exceptions: Record<string, unknown>[] = [];
  planned.forEach(({ row, connection, normalized }, i) => {
    done.push({ i, inbox_id: row.id, status: statusOf(normalized) });
    if (!normalized.ok) {
      exceptions.push({
        i,
        id: newId('exc'),
        tenant_id: row.tenantId,
        connection_id: row.connectionId,
        message: storableText(normalized.message),
        detail: storableDetail(normalized.detail),
      });
      return;
    }
    const source = sourceOf(connection);
    for (const draft of normalized.drafts) orders.push({ i, ...newOrderRow(source, draft) });
  });
  await sql`
    with done as (
      select * from jsonb_to_recordset(${sql.json(done as never)}) as d(i int, inbox_id bigint, status text)
    ), moved as (
      update inbox set status = d.status, processed_at = now() from done d where inbox.id = d.inbox_id
    ), new_orders as (
      select x.*, d.inbox_id from ${newOrderRecordset(sql, orders)} join done d on d.i = x.i
    ), ${insertNewOrders(sql)}, ex as (
      insert into exceptions (id, tenant_id, connection_id, kind, inbox_id, message, detail)
      select x.id, x.tenant_id, x.connection_id, 'normalize', d.inbox_id, x.message, x.detail
      from jsonb_to_recordset(${sql.json(exceptions as never)}) as x(
        i int, id text, tenant_id text, connection_id text, message text, detail jsonb)
      join done d on d.i = x.i
    )
    select switchyard_abort_unless((select count(*) from created_orders) = (select count(*) from new_orders),
                                   'an order in the batch already exists') as taken`;
}

/** One delivery, in a savepoint of the claim's transaction: its orders applied, or an exception recorded. */
async function normalizeOne(tx: TransactionSql, { row, connection, normalized }: Planned) {
  let failure: Failure;
  if (normalized.ok) {
    const { drafts } = normalized;
    try {
      await tx.savepoint(async (sp) => {
        await applyDrafts(sp as unknown as Sql, connection, drafts, row.id);
        await setInboxStatus(sp, row.id, drafts.length ? 'processed' : 'ignored');
      });
      return drafts.length ? 'processed' : 'ignored';
    } catch (error) {
      if (isTransientDbError(error)) throw error;
      failure = failureOf(error, drafts);
    }
  } else {
    failure = { kind: 'normalize', message: normalized.message, detail: normalized.detail };
  }
  await recordException(tx, {
    tenantId: row.tenantId,
    connectionId: row.connectionId,
    inboxId: row.id,
    ...failure,
  });
  await setInboxStatus(tx, row.id, 'failed');
  return 'failed';
}

export interface NormalizerOptions {
  sql: Sql;
  /** The configured connections: deliveries of others wait, received, until their connection is back. */
  connections: ReadonlyMap<string, Connection>;
  /** Deliveries per turn (default 64): each turn is one transaction, and holds the event loop while it maps. */
  batch?: number;
  /** How often to look when nothing nudges it (default 1 s). */
  everyMs?: number;
  now?: () => Date;
  /** Told of each failed turn (database trouble); the loop backs off and tries again. */
  onError: (error: unknown, failed: { failures: number; retryInMs: number }) => void;
  /**
   * Told once, at start, how many deliveries an earlier run left received (0 is not told): the operator's sign
   * that a backlog is being drained, whatever the intake mode is now.
   */
  onBacklog?: (received: number) => void;
}

/** The running normalizer of received deliveries (those the deferred intake stored, or an earlier run left). */
export interface Normalizer {
  /** Deliveries were just received: normalize now rather than at the next turn. */
  nudge(): void;
  /** Stops it; the turn in flight finishes (or rolls back, leaving its deliveries received for the next start). */
  stop(): Promise<void>;
}

/**
 * Starts normalizing received deliveries: the first turn runs at once, so what a stopped or crashed process left
 * received is normalized at start. Several processes may each run one: a delivery is claimed by one at a time.
 * Turns follow each other while a whole batch was claimed, yielding to the event loop between them, so the
 * answers to senders keep flowing while a backlog drains. An idle turn is one lookup on the partial index of
 * received deliveries, so the hub runs one in every intake mode: a backlog left by the deferred intake is
 * drained even after the hub went back to the synchronous one.
 */
export function startNormalizer(options: NormalizerOptions): Normalizer {
  const batch = options.batch ?? 64;
  let started = false;
  const loop: Loop = startLoop({
    everyMs: options.everyMs ?? 1_000,
    async turn() {
      if (!started) {
        const left = await receivedBacklog(options.sql, [...options.connections.keys()]);
        started = true;
        if (left) options.onBacklog?.(left);
      }
      const report = await normalizeReceived(options.sql, options.connections, {
        limit: batch,
        ...(options.now ? { now: options.now } : {}),
      });
      return report.claimed === batch ? 'again' : undefined;
    },
    onError: options.onError,
  });
  return { nudge: () => loop.nudge(), stop: () => loop.stop() };
}
