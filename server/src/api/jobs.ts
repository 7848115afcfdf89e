import { createRoute, z } from '@hono/zod-openapi';
import { getJob, HubError, listAudit, listJobs } from '@switchyard/core';
import { cancelJobAction } from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import { AuditEntrySchema, Cursor, errors, IdParam, JobSchema, json, Limit } from './schemas.ts';

const Id = IdParam('job id', 'job_01JD0000000000000000000000');

const list = createRoute({
  method: 'get',
  path: '/jobs',
  tags: ['Jobs'],
  summary: 'Jobs (bulk replays, syncs, backfills), newest first, with their progress',
  request: { query: z.object({ kind: z.string().max(50).optional(), limit: Limit(500, 50) }) },
  responses: { 200: json(z.object({ items: z.array(JobSchema) }), 'Jobs'), ...errors },
});
const one = createRoute({
  method: 'get',
  path: '/jobs/{id}',
  tags: ['Jobs'],
  summary: 'One job and its progress',
  request: { params: Id },
  responses: { 200: json(JobSchema, 'The job'), ...errors },
});
const cancel = createRoute({
  method: 'post',
  path: '/jobs/{id}/cancel',
  tags: ['Jobs'],
  summary: 'Cancel a queued or running job (it stops after its current page)',
  request: { params: Id },
  responses: { 200: json(JobSchema, 'The job, cancelled'), ...errors },
});
const audit = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['Audit'],
  summary: 'The audit log: who did what, when, to which object, before and after; newest first',
  request: {
    query: z.object({
      targetType: z.string().max(50).optional(),
      targetId: z.string().max(200).optional(),
      action: z.string().max(100).optional(),
      cursor: Cursor,
      limit: Limit(500, 100),
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(AuditEntrySchema), next: z.string().nullable() }),
      'A page of entries',
    ),
    ...errors,
  },
});

export function jobRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const items = await listJobs(deps.hub.sql, c.get('principal').tenantId, {
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ items }, 200);
  });
  app.openapi(one, async (c) => {
    const { id } = c.req.valid('param');
    const job = await getJob(deps.hub.sql, c.get('principal').tenantId, id);
    if (!job) {
      throw new HubError({
        type: 'job-not-found',
        title: 'No such job',
        status: 404,
        detail: `tenant ${c.get('principal').tenantId} has no job ${id}`,
        fix: 'list them with GET /api/v1/jobs',
      });
    }
    return c.json(job, 200);
  });
  app.openapi(cancel, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await cancelJobAction(operatorOf(c, deps), id), 200);
  });
  app.openapi(audit, async (c) => {
    const q = c.req.valid('query');
    const page = await listAudit(deps.hub.sql, c.get('principal').tenantId, {
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.targetId ? { targetId: q.targetId } : {}),
      ...(q.action ? { action: q.action } : {}),
      cursor: q.cursor ?? null,
      limit: q.limit ?? 100,
    });
    return c.json(page, 200);
  });
}
