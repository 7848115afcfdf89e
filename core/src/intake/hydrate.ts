import type { Sql } from 'postgres';
import type { InboundRequest, PulledRecord, ResourceReference } from '../connector/index.ts';
import { describeError, isPermanent } from '../errors.ts';
import { backoffMs } from '../retry.ts';
import { recordException } from '../store/exceptions.ts';
import {
  claimHydrations,
  type DueHydration,
  markHydrated,
  markHydrationFailed,
  releaseHydration,
} from '../store/hydrations.ts';
import { type Connection, connectionContext } from './connection.ts';
import type { IntakeOutcome } from './outcome.ts';
import { prepare } from './prepare.ts';
import { store } from './store.ts';

/** The kind of the exception a fetch that kept failing opens; `replay` fetches again for it. */
export const HYDRATE_EXCEPTION = 'hydrate';

export interface HydrateOptions {
  sql: Sql;
  /** The connections this process hydrates for (those of its config). */
  connections: ReadonlyMap<string, Connection>;
  now?: () => Date;
  /** Fetches of one resource before it becomes an exception (default 5). */
  maxAttempts?: number;
  /** The wait after the first failed fetch (default 5 s); each further one about twice as long. */
  retryBaseMs?: number;
  /** The longest wait between fetches of one resource (default 10 minutes). */
  retryMaxMs?: number;
  /** One fetch's time limit (default 30 s). */
  fetchTimeoutMs?: number;
  /** Resources fetched at once (default 16). */
  batch?: number;
}

/** What one turn did. */
export interface HydrateReport {
  /** Fetched and stored. */
  hydrated: number;
  /** Failed, to try again later. */
  retrying: number;
  /** Failed for the last time: each is now an exception. */
  failed: number;
  /** Given back unfetched because the hydrator was stopping. */
  released: number;
  /** Taken over: the lease ran out before the fetch ended and another claim now owns the row, so nothing was written. */
  superseded: number;
}

/**
 * The vendor answered that the resource a notification names does not exist. Vendors often notify before what
 * they notify about is readable (read-after-write lag), so it is a failure to try again, never an answer.
 */
export class ResourceNotFoundError extends Error {
  constructor(connection: Connection, resource: ResourceReference) {
    super(`${connection.connector.title} answered that ${resource.type} ${resource.id} does not exist`);
    this.name = 'ResourceNotFoundError';
  }
}

/**
 * Fetches a resource a notification names, within the time limit and the caller's signal. Throws
 * `ResourceNotFoundError` when the connector's fetch gives nothing (the vendor answered 404).
 */
export async function fetchResource(
  connection: Connection,
  resource: ResourceReference,
  signal: AbortSignal,
  timeoutMs: number,
  now: () => Date = () => new Date(),
): Promise<PulledRecord> {
  const hydrate = connection.connector.webhook?.hydrate;
  if (!hydrate) {
    throw new Error(
      `connection "${connection.id}" (${connection.connector.id}) no longer hydrates notifications: its connector has no webhook.hydrate`,
    );
  }
  const record = await hydrate.fetch(
    connectionContext(connection, now),
    resource,
    AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  );
  if (!record) throw new ResourceNotFoundError(connection, resource);
  return record;
}

/** Stores a fetched record through the intake, under its own key, exactly as a pulled record is stored. */
export function storeFetched(
  sql: Sql,
  connection: Connection,
  record: PulledRecord,
  now: () => Date = () => new Date(),
): Promise<IntakeOutcome> {
  const request: InboundRequest = {
    method: 'HYDRATE',
    path: `/hydrate/${connection.id}`,
    headers: { 'content-type': record.contentType, ...record.headers },
    body: record.body,
    contentType: record.contentType,
    receivedAt: now(),
  };
  return store(sql, prepare(connection, request, now, record.dedupeKey));
}

/** The inbox row a stored record went to; null for a duplicate (already stored, by a pull or a webhook). */
export function storedInboxId(outcome: IntakeOutcome): string | null {
  return outcome.status === 'duplicate' ? null : outcome.inboxId;
}

/** Why a fetch failed, in the words of an exception. */
export function fetchFailure(
  connection: Connection,
  due: Pick<DueHydration, 'resource'>,
  error: unknown,
): string {
  return `could not fetch ${due.resource.type} ${due.resource.id} from ${connection.connector.title} for a notification: ${describeError(error)}`;
}

/**
 * One turn of hydration: claims the due notifications of these connections, fetches what each names and stores
 * it through the intake, then marks it hydrated. A failed fetch (a 404 too: the vendor may notify before the
 * resource is readable) is tried again later (backoff), and after
 * `maxAttempts` (or at once when the error is permanent, like a refused credential) becomes an exception that
 * `switchyard exceptions replay` fetches again. Throws on database trouble (the claims then come due again).
 */
export async function hydrateDue(options: HydrateOptions, signal: AbortSignal): Promise<HydrateReport> {
  const { sql, connections } = options;
  const report: HydrateReport = { hydrated: 0, retrying: 0, failed: 0, released: 0, superseded: 0 };
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 30_000;
  // The lease outlasts the fetch, so a claim is never taken twice while its fetch may still answer.
  const claimed = await claimHydrations(
    sql,
    [...connections.keys()],
    options.batch ?? 16,
    fetchTimeoutMs * 2,
  );
  const settled = await Promise.allSettled(
    claimed.map(async (due) => {
      report[await hydrateOne(options, connections.get(due.connectionId)!, due, signal)]++;
    }),
  );
  const trouble = settled.find((s) => s.status === 'rejected');
  if (trouble) throw trouble.reason;
  return report;
}

async function hydrateOne(
  options: HydrateOptions,
  connection: Connection,
  due: DueHydration,
  signal: AbortSignal,
): Promise<keyof HydrateReport> {
  const { sql } = options;
  const now = options.now ?? (() => new Date());
  const fence = { claim: due.claim };
  let record: PulledRecord;
  try {
    record = await fetchResource(connection, due.resource, signal, options.fetchTimeoutMs ?? 30_000, now);
  } catch (error) {
    if (signal.aborted) {
      await releaseHydration(sql, due.inboxId, fence);
      return 'released';
    }
    const attempts = due.attempts + 1;
    const message = fetchFailure(connection, due, error);
    if (attempts < (options.maxAttempts ?? 5) && !isPermanent(error)) {
      const retryInMs = backoffMs(attempts, {
        baseMs: options.retryBaseMs ?? 5_000,
        maxMs: options.retryMaxMs ?? 600_000,
        jitter: 'equal',
      });
      return (await markHydrationFailed(sql, due.inboxId, message, { retryInMs }, fence))
        ? 'retrying'
        : 'superseded';
    }
    return sql.begin(async (tx): Promise<keyof HydrateReport> => {
      // Only the current claim opens the exception: a superseded one would open a second, spurious one.
      if (!(await markHydrationFailed(tx, due.inboxId, message, 'failed', fence))) return 'superseded';
      await recordException(tx, {
        tenantId: due.tenantId,
        connectionId: due.connectionId,
        kind: HYDRATE_EXCEPTION,
        inboxId: due.inboxId,
        message: `${message} (after ${attempts} ${attempts === 1 ? 'try' : 'tries'})`,
        detail: { stage: 'hydrate', resource: due.resource, attempts },
      });
      return 'failed';
    });
  }
  // Stored even when superseded: the record's own dedupe key makes a second store of it a no-op.
  const outcome = await storeFetched(sql, connection, record, now);
  return (await markHydrated(sql, due.inboxId, storedInboxId(outcome), fence)) ? 'hydrated' : 'superseded';
}
