import { HubError, recordAudit } from '@switchyard/core';
import { orderWorkflowId, type WorkflowAdmin, type WorkflowInspection } from '@switchyard/workflows';
import { type OperatorContext, requireRole } from './context.ts';

function adminOf(ctx: OperatorContext): WorkflowAdmin {
  const admin = ctx.hub.workflowAdmin?.();
  if (!admin) {
    throw new HubError({
      type: 'no-workflows',
      title: 'Workflows are not available here',
      status: 409,
      detail: 'this hub process has no workflow engine to ask',
    });
  }
  return admin;
}

/** The workflow id as `order:<order id>`, of an order of this tenant; a 404 otherwise. */
async function orderOfWorkflow(ctx: OperatorContext, workflowId: string): Promise<string> {
  const orderId = workflowId.startsWith('order:') ? workflowId.slice('order:'.length) : undefined;
  const [row] = orderId
    ? await ctx.hub.sql`select id from orders where id = ${orderId} and tenant_id = ${ctx.by.tenantId}`
    : [];
  if (!row || !orderId || orderWorkflowId(orderId) !== workflowId) {
    throw new HubError({
      type: 'workflow-not-found',
      title: 'No such workflow',
      status: 404,
      detail: `tenant ${ctx.by.tenantId} has no workflow ${workflowId.slice(0, 100)}`,
      fix: "an order's workflow is named on the order: GET /api/v1/orders/<id>",
    });
  }
  return orderId;
}

/** The state of an order's workflow and each step's outcome; undefined when none was started for it. */
export async function workflowOf(
  ctx: OperatorContext,
  orderId: string,
): Promise<WorkflowInspection | undefined> {
  const admin = ctx.hub.workflowAdmin?.();
  if (!admin) return undefined;
  return admin.inspect(orderWorkflowId(orderId));
}

/** Looks at a workflow of this tenant. */
export async function inspectWorkflow(ctx: OperatorContext, workflowId: string): Promise<WorkflowInspection> {
  await orderOfWorkflow(ctx, workflowId);
  const found = await adminOf(ctx).inspect(workflowId);
  if (!found) {
    throw new HubError({
      type: 'workflow-not-found',
      title: 'No such workflow',
      status: 404,
      detail: `no workflow ${workflowId} was started (the order's connection may drive none)`,
    });
  }
  return found;
}

/** Runs a failed workflow again from the step that failed; audited. */
export async function replayWorkflow(ctx: OperatorContext, workflowId: string): Promise<WorkflowInspection> {
  requireRole(ctx, 'operator', 'replaying a workflow');
  const before = await inspectWorkflow(ctx, workflowId);
  try {
    await adminOf(ctx).replay(workflowId);
  } catch (error) {
    throw new HubError({
      type: 'workflow-not-replayable',
      title: 'Workflow cannot be replayed',
      status: 409,
      detail: (error as Error).message,
      fix: 'only a failed or cancelled workflow is replayed',
    });
  }
  await recordAudit(ctx.hub.sql, ctx.by, {
    action: 'workflow.replay',
    targetType: 'workflow',
    targetId: workflowId,
    before: { state: before.state, error: before.error ?? null },
    after: { state: 'pending' },
    requestId: ctx.requestId,
  });
  return (await adminOf(ctx).inspect(workflowId)) ?? before;
}

/**
 * Cancels a workflow that has not ended: it stops at its next step, with nothing undone (cancelling the order
 * in the channel is what runs the compensations). Audited.
 */
export async function cancelWorkflow(ctx: OperatorContext, workflowId: string): Promise<WorkflowInspection> {
  requireRole(ctx, 'operator', 'cancelling a workflow');
  const before = await inspectWorkflow(ctx, workflowId);
  if (before.state !== 'pending' && before.state !== 'queued') {
    throw new HubError({
      type: 'workflow-ended',
      title: 'Workflow has ended',
      status: 409,
      detail: `workflow ${workflowId} is ${before.state}: nothing to cancel`,
    });
  }
  await adminOf(ctx).cancel(workflowId);
  await recordAudit(ctx.hub.sql, ctx.by, {
    action: 'workflow.cancel',
    targetType: 'workflow',
    targetId: workflowId,
    before: { state: before.state },
    after: { state: 'cancelled' },
    requestId: ctx.requestId,
  });
  return (await adminOf(ctx).inspect(workflowId)) ?? before;
}
