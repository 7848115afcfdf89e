import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import { getException, type HubException, markReplayed } from '../store/exceptions.ts';
import { getHydration, markHydrated, recordHydration } from '../store/hydrations.ts';
import { type InboxEntry, setInboxStatus } from '../store/inbox.ts';
import type { Connection } from './connection.ts';
import { isTransientDbError } from './database-errors.ts';
import { fetchFailure, fetchResource, storedInboxId, storeFetched } from './hydrate.ts';
import { notificationOf } from './notification.ts';
import type { ReplayOutcome } from './replay.ts';

/**
 * Replays a `hydrate` exception (a thin notification whose resource could not be fetched): fetches it again
 * now and stores it through the intake. On success the exception is resolved, whatever the record then maps
 * to (a record that cannot be mapped opens its own exception, on its own input); on failure (the vendor still
 * answering that the resource does not exist, too) it stays open with the new reason. The write is not fenced:
 * an operator's replay wins over whatever claim a hydrator may hold.
 */
export async function replayHydration(
  sql: Sql,
  exception: HubException,
  connection: Connection,
  now: () => Date = () => new Date(),
): Promise<ReplayOutcome> {
  const exceptionId = exception.id;
  const due = exception.inboxId ? await getHydration(sql, exception.inboxId) : undefined;
  if (!due) {
    throw new HubError({
      type: 'exception-no-input',
      title: 'Exception has no notification to hydrate',
      status: 409,
      detail: `exception ${exceptionId} names no stored notification whose resource could be fetched`,
      fix: 'ask the vendor to send the notification again, or run a pull of the connection',
    });
  }
  let outcome: Awaited<ReturnType<typeof storeFetched>>;
  try {
    const record = await fetchResource(connection, due.resource, AbortSignal.timeout(60_000), 60_000, now);
    outcome = await storeFetched(sql, connection, record, now);
  } catch (error) {
    if (isTransientDbError(error)) throw error;
    const message = fetchFailure(connection, due, error);
    await markReplayed(sql, exceptionId, { resolved: false, message });
    return { status: 'failed', exceptionId, message };
  }
  await sql.begin(async (tx) => {
    const locked = await getException(tx, exception.tenantId, exceptionId, true);
    await markHydrated(tx, due.inboxId, storedInboxId(outcome), 'replay');
    if (locked?.status === 'open') await markReplayed(tx, exceptionId, { resolved: true });
  });
  const what = `${due.resource.type} ${due.resource.id}`;
  switch (outcome.status) {
    case 'accepted':
      return { status: 'resolved', exceptionId, orders: outcome.orders };
    case 'ignored':
      return { status: 'resolved', exceptionId, orders: [], ignored: outcome.reason };
    case 'duplicate':
      return { status: 'resolved', exceptionId, orders: [], ignored: `${what} was already stored` };
    case 'exception':
      return {
        status: 'resolved',
        exceptionId,
        orders: [],
        ignored: `${what} was fetched but cannot be imported, see exception ${outcome.exceptionId}: ${outcome.message}`,
      };
  }
}

/**
 * Replays the exception of a thin notification whose resource could not be read (`detail.stage` is
 * `hydrate.resource`: the connector's `hydrate.resource` threw): reads it again with today's connector and, when
 * it now names a resource, records the hydration that fetches it (the hydrator does, at its next turn) and
 * resolves the exception. Still unreadable: the exception stays open with the new reason.
 */
export async function replayNotification(
  sql: Sql,
  exception: HubException,
  entry: InboxEntry,
  connection: Connection,
  now: () => Date = () => new Date(),
): Promise<ReplayOutcome> {
  const exceptionId = exception.id;
  const notification = notificationOf(connection, entry, now, undefined);
  if (!notification?.normalized.ok) {
    const message =
      notification?.normalized.ok === false
        ? notification.normalized.message
        : `connection "${connection.id}" (${connection.connector.id}) no longer hydrates notifications: its connector has no webhook.hydrate`;
    await markReplayed(sql, exceptionId, { resolved: false, message });
    return { status: 'failed', exceptionId, message };
  }
  const { hydration, normalized } = notification;
  await sql.begin(async (tx) => {
    const locked = await getException(tx, exception.tenantId, exceptionId, true);
    if (hydration) await recordHydration(tx, entry.id, hydration);
    await setInboxStatus(tx, entry.id, 'ignored');
    if (locked?.status === 'open') await markReplayed(tx, exceptionId, { resolved: true });
  });
  return { status: 'resolved', exceptionId, orders: [], ignored: normalized.ignored ?? 'nothing to fetch' };
}
