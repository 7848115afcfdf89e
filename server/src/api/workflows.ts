import { createRoute } from '@hono/zod-openapi';
import { cancelWorkflow, inspectWorkflow, replayWorkflow } from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import { errors, IdParam, json, WorkflowSchema } from './schemas.ts';

const tags = ['Workflows'];
const Id = IdParam('workflow id (order:<order id>)', 'order:ord_01JD0000000000000000000000');

const one = createRoute({
  method: 'get',
  path: '/workflows/{id}',
  tags,
  summary: "A workflow's state and each step's outcome",
  request: { params: Id },
  responses: { 200: json(WorkflowSchema, 'The workflow'), ...errors },
});
const replay = createRoute({
  method: 'post',
  path: '/workflows/{id}/replay',
  tags,
  summary: 'Run a failed workflow again from the step that failed (earlier steps keep their results)',
  request: { params: Id },
  responses: { 200: json(WorkflowSchema, 'The workflow, running again'), ...errors },
});
const cancel = createRoute({
  method: 'post',
  path: '/workflows/{id}/cancel',
  tags,
  summary: 'Cancel a workflow that has not ended (nothing is undone: cancel the order for that)',
  request: { params: Id },
  responses: { 200: json(WorkflowSchema, 'The workflow, cancelled'), ...errors },
});

export function workflowRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(one, async (c) =>
    c.json(await inspectWorkflow(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
  app.openapi(replay, async (c) =>
    c.json(await replayWorkflow(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
  app.openapi(cancel, async (c) =>
    c.json(await cancelWorkflow(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
}
