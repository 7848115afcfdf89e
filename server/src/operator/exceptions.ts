import {
  closeException as close,
  countExceptions,
  createJob,
  type ExceptionFilter,
  exceptionNotFound,
  getException,
  getInboxEntry,
  HubError,
  type HubException,
  HYDRATE_EXCEPTION,
  type Job,
  pointAtRevision,
  type ReplayOutcome,
  readableBody,
  recordAudit,
  replay,
  type Sql,
  storeEditedInput,
} from '@switchyard/core';
import { type OperatorContext, requireRole } from './context.ts';

const HYDRATE_KIND = HYDRATE_EXCEPTION;

/** An exception of the tenant, or a 404 (another tenant's id answers exactly as an unknown one). */
export async function exceptionOf(ctx: OperatorContext, id: string): Promise<HubException> {
  const found = await getException(ctx.hub.sql, ctx.by.tenantId, id);
  if (!found) throw exceptionNotFound(ctx.by.tenantId, id);
  return found;
}

/** An exception with its stored input, as the inbox's detail shows it. */
export async function exceptionDetail(ctx: OperatorContext, id: string) {
  const exception = await exceptionOf(ctx, id);
  const entry = exception.inboxId ? await getInboxEntry(ctx.hub.sql, exception.inboxId) : undefined;
  return {
    exception,
    input: entry
      ? {
          inboxId: String(entry.id),
          dedupeKey: entry.dedupeKey,
          receivedAt: new Date(entry.receivedAt).toISOString(),
          contentType: entry.contentType,
          headers: entry.headers,
          ...bodyOf(entry.body),
        }
      : null,
    editable: Boolean(entry) && exception.status === 'open' && exception.kind !== HYDRATE_KIND,
  };
}

/** A body as text when it is UTF-8, else as base64 (core's reading of a stored body). */
export const bodyOf = readableBody;

/** Replays one exception's stored input through today's connector and mappings; audited. */
export async function replayException(ctx: OperatorContext, id: string): Promise<ReplayOutcome> {
  requireRole(ctx, 'operator', 'replaying an exception');
  const before = await exceptionOf(ctx, id);
  const outcome = await replay(ctx.hub.sql as Sql, ctx.by.tenantId, id, ctx.hub.connections);
  await recordAudit(ctx.hub.sql, ctx.by, {
    action: 'exception.replay',
    targetType: 'exception',
    targetId: id,
    before: { status: before.status, replayCount: before.replayCount, inboxId: before.inboxId },
    after:
      outcome.status === 'resolved'
        ? {
            status: 'resolved',
            orders: outcome.orders,
            ...(outcome.ignored ? { ignored: outcome.ignored } : {}),
          }
        : { status: 'open', message: outcome.message },
    requestId: ctx.requestId,
  });
  return outcome;
}

/**
 * Stores an operator's corrected payload as a revision beside the original delivery (the original is never
 * changed), points the exception at it, and replays. The edit and its audit record commit together; the
 * replay is audited on its own.
 */
export async function editAndReplay(
  ctx: OperatorContext,
  id: string,
  body: string,
): Promise<{ inboxId: string; outcome: ReplayOutcome }> {
  requireRole(ctx, 'operator', 'editing an exception');
  const exception = await exceptionOf(ctx, id);
  if (exception.status !== 'open') {
    throw new HubError({
      type: 'exception-not-open',
      title: 'Exception is not open',
      status: 409,
      detail: `exception ${id} is ${exception.status}: there is nothing to correct`,
    });
  }
  if (exception.kind === HYDRATE_KIND || !exception.inboxId) {
    throw new HubError({
      type: 'exception-not-editable',
      title: 'Nothing to edit',
      status: 409,
      detail:
        exception.kind === HYDRATE_KIND
          ? `exception ${id} is a resource the hub could not fetch: its input is a notification, not a payload`
          : `exception ${id} has no stored input`,
      fix: 'replay it instead',
    });
  }
  const original = await getInboxEntry(ctx.hub.sql, exception.inboxId);
  if (!original) throw exceptionNotFound(ctx.by.tenantId, id);
  const bytes = new TextEncoder().encode(body);
  const limit = ctx.hub.config.server.bodyLimit;
  if (bytes.byteLength > limit) {
    throw new HubError({
      type: 'body-too-large',
      title: 'Payload too large',
      status: 413,
      detail: `the corrected payload is ${bytes.byteLength} bytes, over server.bodyLimit (${limit})`,
    });
  }
  if (/json/i.test(original.contentType)) {
    try {
      JSON.parse(body);
    } catch (error) {
      throw new HubError({
        type: 'invalid-json',
        title: 'The corrected payload is not JSON',
        status: 400,
        detail: `the delivery is ${original.contentType} and the correction does not parse: ${(error as Error).message}`,
        fix: 'fix the JSON and send it again; nothing was stored',
      });
    }
  }
  const inboxId = await ctx.hub.sql.begin(async (tx) => {
    const locked = await getException(tx, ctx.by.tenantId, id, true);
    if (locked?.status !== 'open' || locked.inboxId !== exception.inboxId) {
      throw new HubError({
        type: 'exception-changed',
        title: 'The exception changed meanwhile',
        status: 409,
        detail: `exception ${id} was replayed, resolved or edited by someone else while this edit was made`,
        fix: 'reload it and edit again',
      });
    }
    const revision = await storeEditedInput(tx, original, bytes, ctx.by.actor);
    await pointAtRevision(tx, id, revision, ctx.by.actor);
    await recordAudit(tx, ctx.by, {
      action: 'exception.edit',
      targetType: 'exception',
      targetId: id,
      before: { inboxId: String(original.id), ...bodyOf(original.body) },
      after: { inboxId: revision, body, encoding: 'utf8' },
      requestId: ctx.requestId,
    });
    return revision;
  });
  return { inboxId, outcome: await replayException(ctx, id) };
}

/** Resolves or ignores an open exception by hand, with the reason; audited with the state before and after. */
export async function closeException(
  ctx: OperatorContext,
  id: string,
  input: { status: 'resolved' | 'ignored'; reason: string },
): Promise<HubException> {
  requireRole(ctx, 'operator', `marking an exception ${input.status}`);
  return ctx.hub.sql.begin(async (tx) => {
    const { before, after } = await close(tx, ctx.by.tenantId, id, { ...input, by: ctx.by.actor });
    await recordAudit(tx, ctx.by, {
      action: `exception.${input.status === 'resolved' ? 'resolve' : 'ignore'}`,
      targetType: 'exception',
      targetId: id,
      before: { status: before.status },
      after: { status: after.status, reason: after.resolution },
      requestId: ctx.requestId,
    });
    return after;
  });
}

/** What a bulk replay takes: the open exceptions matching the filter when it was asked for. */
export type BulkReplayFilter = Pick<ExceptionFilter, 'connectionId' | 'kind' | 'since' | 'before'>;

export const BULK_REPLAY = 'exception-replay';

/**
 * Queues a bulk replay of the open exceptions matching the filter, as a job with progress (the job runner does
 * it, throttled). Exceptions recorded after this moment are not part of it.
 */
export async function startBulkReplay(ctx: OperatorContext, filter: BulkReplayFilter): Promise<Job> {
  requireRole(ctx, 'operator', 'a bulk replay');
  const asOf = new Date();
  const before = filter.before && filter.before < asOf ? filter.before : asOf;
  const counts = await countMatching(ctx, { ...filter, before });
  const job = await ctx.hub.sql.begin(async (tx) => {
    const created = await createJob(tx, {
      tenantId: ctx.by.tenantId,
      kind: BULK_REPLAY,
      params: {
        ...(filter.connectionId ? { connectionId: filter.connectionId } : {}),
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.since ? { since: filter.since.toISOString() } : {}),
        before: before.toISOString(),
      },
      total: counts,
      createdBy: ctx.by.actor,
    });
    await recordAudit(tx, ctx.by, {
      action: 'exception.bulk-replay',
      targetType: 'job',
      targetId: created.id,
      after: { params: created.params, total: counts },
      requestId: ctx.requestId,
    });
    return created;
  });
  ctx.nudgeJobs?.();
  return job;
}

async function countMatching(ctx: OperatorContext, filter: BulkReplayFilter): Promise<number> {
  if (!filter.since && !filter.before) {
    return (await countExceptions(ctx.hub.sql as Sql, ctx.by.tenantId, filter)).open;
  }
  const sql = ctx.hub.sql;
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from exceptions
    where tenant_id = ${ctx.by.tenantId} and status = 'open'
      ${filter.connectionId ? sql`and connection_id = ${filter.connectionId}` : sql``}
      ${filter.kind ? sql`and kind = ${filter.kind}` : sql``}
      ${filter.since ? sql`and created_at >= ${filter.since}` : sql``}
      ${filter.before ? sql`and created_at < ${filter.before}` : sql``}`;
  return row!.n;
}
