import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import { getException, markReplayed, recordException } from '../store/exceptions.ts';
import { getInboxEntry, setInboxStatus } from '../store/inbox.ts';
import type { ApplyResult } from '../store/orders.ts';
import type { Connection } from './connection.ts';
import { isTransientDbError } from './database-errors.ts';
import { HYDRATE_EXCEPTION } from './hydrate.ts';
import { normalize } from './normalize.ts';
import { type Failure, failureOf } from './outcome.ts';
import { replayHydration, replayNotification } from './replay-hydration.ts';
import { applyDrafts } from './store.ts';

export type ReplayOutcome =
  | { status: 'resolved'; exceptionId: string; orders: ApplyResult[]; ignored?: string }
  | { status: 'failed'; exceptionId: string; message: string };

/**
 * Runs an exception's stored input through today's connector and mappings again.
 * On success the exception is resolved; on failure it stays open with the new
 * reason. Either way its replay count goes up.
 */
export async function replay(
  sql: Sql,
  tenantId: string,
  exceptionId: string,
  connections: ReadonlyMap<string, Connection>,
  now: () => Date = () => new Date(),
): Promise<ReplayOutcome> {
  const exception = await getException(sql, tenantId, exceptionId);
  const notFound = () =>
    new HubError({
      type: 'exception-not-found',
      title: 'No such exception',
      status: 404,
      detail: `tenant ${tenantId} has no exception ${exceptionId}`,
      fix: 'list them with: switchyard exceptions list',
    });
  if (!exception) throw notFound();
  if (exception.status !== 'open') {
    const by = (exception.detail.supersededBy as { inboxId?: string } | undefined)?.inboxId;
    throw new HubError({
      type: 'exception-resolved',
      title: 'Exception already resolved',
      status: 409,
      detail: by
        ? `exception ${exceptionId} was superseded at ${exception.resolvedAt} by a corrected delivery of the same payload (inbox ${by}), which is what counts now`
        : `exception ${exceptionId} was resolved at ${exception.resolvedAt}`,
      fix: 'nothing to do; open exceptions are listed by: switchyard exceptions list',
    });
  }
  const entry = exception.inboxId ? await getInboxEntry(sql, exception.inboxId) : undefined;
  if (!entry) {
    throw new HubError({
      type: 'exception-no-input',
      title: 'Exception has no stored input',
      status: 409,
      detail: `exception ${exceptionId} has no stored input to replay`,
      fix: 'resolve the cause at its source',
    });
  }
  const connection = connections.get(entry.connectionId);
  if (!connection) {
    throw new HubError({
      type: 'connection-not-configured',
      title: 'Connection not configured',
      status: 409,
      detail: `the input of ${exceptionId} came through connection "${entry.connectionId}", which is not in the config`,
      fix: 'add the connection back to switchyard.config.ts, then replay',
    });
  }

  // A thin notification whose resource could not be fetched: fetch it again, not normalize (replay-hydration.ts).
  if (exception.kind === HYDRATE_EXCEPTION) return replayHydration(sql, exception, connection, now);
  // A notification whose resource could not be read from it: read it again with today's connector.
  if (exception.detail.stage === 'hydrate.resource') {
    return replayNotification(sql, exception, entry, connection, now);
  }
  // Another replay, an edit, or an operator's resolve or ignore may have changed the exception since it was read:
  // each outcome is written only to the exception as it was read (open, on this input), under its row lock.
  const changedMeanwhile = () =>
    new HubError({
      type: 'exception-changed',
      title: 'The exception changed meanwhile',
      status: 409,
      detail: `exception ${exceptionId} was replayed, resolved, ignored or edited by someone else during this replay`,
      fix: 'reload it: it may need nothing more',
    });
  const stillAsRead = (locked: Awaited<ReturnType<typeof getException>>) =>
    locked?.status === 'open' && String(locked.inboxId) === String(entry.id);
  const normalized = normalize(connection, entry, now);
  let failure: Failure;
  if (normalized.ok) {
    try {
      return await sql.begin(async (tx): Promise<ReplayOutcome> => {
        if (!stillAsRead(await getException(tx, tenantId, exceptionId, true))) throw changedMeanwhile();
        const orders = await applyDrafts(tx as unknown as Sql, connection, normalized.drafts, entry.id);
        await setInboxStatus(tx, entry.id, normalized.drafts.length ? 'processed' : 'ignored');
        await markReplayed(tx, exceptionId, { resolved: true });
        return normalized.ignored !== undefined
          ? { status: 'resolved', exceptionId, orders, ignored: normalized.ignored }
          : { status: 'resolved', exceptionId, orders };
      });
    } catch (error) {
      if (isTransientDbError(error) || error instanceof HubError) throw error;
      failure = failureOf(error, normalized.drafts);
    }
  } else {
    failure = { kind: 'normalize', message: normalized.message, detail: normalized.detail };
  }
  await sql.begin(async (tx) => {
    if (!stillAsRead(await getException(tx, tenantId, exceptionId, true))) throw changedMeanwhile();
    await recordException(tx, { tenantId, connectionId: connection.id, inboxId: entry.id, ...failure });
    await markReplayed(tx, exceptionId, { resolved: false });
  });
  return { status: 'failed', exceptionId, message: failure.message };
}
