import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { InboundRequest, PullPage } from './connector/index.ts';
import { describeError, HubError } from './errors.ts';
import { type Connection, connectionContext, IntakeQueue } from './intake/index.ts';
import type { Sql } from './store/db.ts';

/** What one sync did. `missedByWebhooks` counts order states the hub did not have: new orders and newer versions. */
export interface SyncReport {
  connectionId: string;
  status: 'completed' | 'interrupted' | 'busy';
  pages: number;
  records: number;
  missedByWebhooks: number;
  alreadyReceived: number;
  exceptions: number;
  /** Where the next sync starts. */
  watermark: string | null;
  /** Set when the sync stopped before the end: the next one resumes here. */
  cursor: string | null;
}

export interface SyncOptions {
  /** Pull from this time instead of the stored watermark (a backfill). */
  since?: Date;
  /** A one-off import of history: the connector may use the vendor's bulk export (see PullRequest.backfill). */
  backfill?: boolean;
  /** Start afresh from `since` (or the watermark) even when an interrupted run of this kind left a cursor. */
  restart?: boolean;
  signal?: AbortSignal;
  /**
   * How long a lease lasts without renewal (default 600 s, longer than one page can take with
   * its retries); renewed after every page. A run that finds its lease taken stops.
   */
  leaseSeconds?: number;
  onPage?: (progress: {
    pages: number;
    records: number;
    missedByWebhooks: number;
    remaining?: number;
    status?: string;
  }) => void;
  now?: () => Date;
}

/** When the connection was last synced (completed or not), for the scheduler's next turn. */
export async function lastSyncAt(sql: Sql, connectionId: string): Promise<number | undefined> {
  const [row] = await sql<{ last_run_at: Date | null }[]>`
    select last_run_at from sync_state where connection_id = ${connectionId}`;
  return row?.last_run_at?.getTime();
}

/** Identifies this process in leases. */
const OWNER = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** Takes or renews the connection's lease; returns its state, or undefined when another process holds it. */
async function lease(sql: Sql, connectionId: string, seconds: number) {
  const [row] = await sql<
    { cursor: string | null; cursor_since: Date | null; cursor_backfill: boolean; watermark: Date | null }[]
  >`
    insert into sync_state (connection_id, lease_owner, lease_until)
    values (${connectionId}, ${OWNER}, now() + make_interval(secs => ${seconds}))
    on conflict (connection_id) do update
      set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until, updated_at = now()
      where sync_state.lease_until is null or sync_state.lease_until < now() or sync_state.lease_owner = excluded.lease_owner
    returning cursor, cursor_since, cursor_backfill, watermark`;
  return row;
}

/**
 * Runs one pull of a connection: takes its lease (one sync per connection across
 * every hub process), pulls from the stored cursor or watermark, stores each record
 * through the intake exactly as a webhook delivery (so a record a webhook already
 * brought is a duplicate), and persists the cursor after each page is committed, so
 * an interrupted sync resumes where it stopped. At the end the watermark advances.
 */
export async function runSync(
  sql: Sql,
  connection: Connection,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const pull = connection.connector.pull;
  if (!pull) {
    throw new HubError({
      type: 'no-pull',
      title: 'Connection cannot be pulled',
      status: 400,
      detail: `connection "${connection.id}" (${connection.connector.id}) has no pull`,
      fix: 'sync a connection whose connector declares orders.pull',
    });
  }
  const now = options.now ?? (() => new Date());
  const leaseSeconds = options.leaseSeconds ?? 600;
  const report: SyncReport = {
    connectionId: connection.id,
    status: 'completed',
    pages: 0,
    records: 0,
    missedByWebhooks: 0,
    alreadyReceived: 0,
    exceptions: 0,
    watermark: null,
    cursor: null,
  };
  const state = await lease(sql, connection.id, leaseSeconds);
  if (!state) return { ...report, status: 'busy' };

  // An interrupted run resumes its cursor when it is of the same kind (sync or backfill) and asks for the same
  // start (a sync always does; a backfill when its --since is the same), unless told to restart; otherwise it
  // starts afresh from its since. A sync leaves a backfill's cursor alone: it is the backfill's to resume.
  const backfill = !!options.backfill;
  const keepsBackfillCursor = !backfill && state.cursor !== null && state.cursor_backfill;
  const resumable =
    !options.restart &&
    state.cursor !== null &&
    state.cursor_backfill === backfill &&
    (options.since === undefined || state.cursor_since?.getTime() === options.since.getTime());
  const since = resumable
    ? (state.cursor_since ?? undefined)
    : (options.since ?? state.watermark ?? undefined);
  const cursor = resumable ? (state.cursor ?? undefined) : undefined;
  // The watermark may only advance when this run began at or before it: else the gap before `since` is unpulled.
  const coversWatermark = !since || !state.watermark || since.getTime() <= state.watermark.getTime();
  const signal = options.signal ?? new AbortController().signal;
  const queue = new IntakeQueue(sql);
  const context = connectionContext(connection, now);
  let watermark = state.watermark?.toISOString() ?? null;
  let pages: AsyncIterator<PullPage> | undefined;
  let caughtUp = false;
  try {
    pages = pull(context, {
      ...(since ? { since } : {}),
      ...(cursor ? { cursor } : {}),
      ...(options.backfill ? { backfill: true } : {}),
      signal,
    })[Symbol.asyncIterator]();
    // The next page is fetched while this one is stored: the cursor still only moves once a page is committed,
    // and a fetch that fails surfaces after the pages before it are safe.
    let upcoming = pages.next();
    for (;;) {
      const fetched = await upcoming;
      if (fetched.done) break;
      const page = fetched.value;
      upcoming = pages.next();
      upcoming.catch(() => {}); // awaited on the next turn; a stop before then leaves it unread
      const outcomes = await Promise.all(
        page.records.map((record) => {
          const request: InboundRequest = {
            method: 'PULL',
            path: `/pull/${connection.id}`,
            headers: { 'content-type': record.contentType, ...record.headers },
            body: record.body,
            contentType: record.contentType,
            receivedAt: now(),
          };
          return queue.receive(connection, request, now, record.dedupeKey);
        }),
      );
      for (const o of outcomes) {
        if (o.status === 'duplicate') report.alreadyReceived++;
        else if (o.status === 'exception') report.exceptions++;
        else if (
          o.status === 'accepted' &&
          o.orders.some((r) => r.result === 'created' || r.result === 'updated')
        )
          report.missedByWebhooks++;
        else report.alreadyReceived++;
      }
      report.pages++;
      report.records += page.records.length;
      if (page.watermark && (!watermark || Date.parse(page.watermark) > Date.parse(watermark))) {
        watermark = new Date(page.watermark).toISOString();
      }
      report.cursor = page.cursor;
      caughtUp = page.cursor === null;
      // The page is committed: record where to resume, and renew the lease.
      const renewed = await sql`
        update sync_state set
          cursor = case when ${keepsBackfillCursor} then cursor else ${page.cursor} end,
          cursor_since = case when ${keepsBackfillCursor} then cursor_since else ${since?.toISOString() ?? null}::text::timestamptz end,
          cursor_backfill = case when ${keepsBackfillCursor} then cursor_backfill else ${backfill} end,
          lease_until = now() + make_interval(secs => ${leaseSeconds}), updated_at = now()
        where connection_id = ${connection.id} and lease_owner = ${OWNER}`;
      if (renewed.count === 0) {
        // Another process took the lease (ours ran out): stop rather than pull in parallel with it.
        report.status = 'interrupted';
        return { ...report, watermark: state.watermark?.toISOString() ?? null };
      }
      options.onPage?.({
        pages: report.pages,
        records: report.records,
        missedByWebhooks: report.missedByWebhooks,
        ...(page.remaining !== undefined ? { remaining: page.remaining } : {}),
        ...(page.status !== undefined ? { status: page.status } : {}),
      });
      if (signal.aborted) break;
    }
    // A stop after the last page (cursor null) was committed is a completed run.
    report.status = signal.aborted && !caughtUp ? 'interrupted' : 'completed';
  } catch (error) {
    if (!signal.aborted) {
      await release(
        sql,
        connection.id,
        { ...report, status: 'interrupted', error: describeError(error) },
        false,
        null,
        keepsBackfillCursor,
      );
      throw error;
    }
    report.status = 'interrupted';
  } finally {
    // Closes the vendor's pull (its prefetch may still be in flight) without waiting for it.
    pages?.return?.().catch(() => {});
  }
  report.watermark = coversWatermark && watermark ? watermark : (state.watermark?.toISOString() ?? watermark);
  await release(
    sql,
    connection.id,
    report,
    report.status === 'completed',
    coversWatermark ? watermark : null,
    keepsBackfillCursor,
  );
  return report;
}

/** Gives the lease back; a completed sync also moves the watermark and clears the cursor. */
async function release(
  sql: Sql,
  connectionId: string,
  result: SyncReport & { error?: string },
  completed: boolean,
  watermark: string | null,
  keepCursor: boolean,
) {
  // A completed run's cursor is done with; a sync's leaves a backfill's cursor in place.
  const clear = completed && !keepCursor;
  await sql`
    update sync_state set lease_owner = null, lease_until = null, last_run_at = now(), last_result = ${sql.json(result as never)},
      watermark = case when ${completed} then greatest(${watermark}::text::timestamptz, watermark) else watermark end,
      cursor = case when ${clear} then null else cursor end,
      cursor_since = case when ${clear} then null else cursor_since end,
      cursor_backfill = case when ${clear} then false else cursor_backfill end, updated_at = now()
    where connection_id = ${connectionId} and lease_owner = ${OWNER}`;
}
