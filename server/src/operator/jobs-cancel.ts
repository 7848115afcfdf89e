import { cancelJob, getJob, type Job, recordAudit } from '@switchyard/core';
import { type OperatorContext, requireRole } from './context.ts';

/**
 * Cancels a queued or running job of the tenant (a bulk replay, a sync, a backfill): its runner sees it at its
 * next progress save and stops after the current page. The cancel and its audit entry commit together. A job of
 * another tenant answers 404 as an unknown one; a finished job, 409.
 */
export async function cancelJobAction(ctx: OperatorContext, id: string): Promise<Job> {
  requireRole(ctx, 'operator', 'cancelling a job');
  return ctx.hub.sql.begin(async (tx) => {
    const before = await getJob(tx, ctx.by.tenantId, id);
    const cancelled = await cancelJob(tx, ctx.by.tenantId, id);
    await recordAudit(tx, ctx.by, {
      action: 'job.cancel',
      targetType: 'job',
      targetId: id,
      ...(before ? { before: { status: before.status, done: before.done, total: before.total } } : {}),
      after: { status: 'cancelled', done: cancelled.done, total: cancelled.total },
      requestId: ctx.requestId,
    });
    return cancelled;
  });
}
