import { createRoute, z } from '@hono/zod-openapi';
import { countExceptions, EXCEPTIONS_PAGE_MAX, listExceptions } from '@switchyard/core';
import {
  closeException,
  editAndReplay,
  exceptionDetail,
  replayException,
  startBulkReplay,
} from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import {
  Age,
  Cursor,
  ExceptionSchema,
  errors,
  IdParam,
  Instant,
  JobSchema,
  json,
  Limit,
  Reason,
  ReplayOutcomeSchema,
} from './schemas.ts';

const tags = ['Exceptions'];
const Id = IdParam('exception id', 'exc_01JD0000000000000000000000');

const Filter = z.object({
  connection: z.string().max(200).optional(),
  kind: z.string().max(100).optional().openapi({ description: 'the reason, e.g. normalize, order, hydrate' }),
  since: Instant.openapi({ description: 'recorded at or after this time' }),
  olderThan: Age.openapi({ description: 'recorded longer ago than this age (90m, 24h, 7d)' }),
});

const list = createRoute({
  method: 'get',
  path: '/exceptions',
  tags,
  summary: 'List exceptions, newest first',
  request: {
    query: Filter.extend({
      status: z.enum(['open', 'resolved', 'ignored', 'all']).optional(),
      cursor: Cursor,
      limit: Limit(EXCEPTIONS_PAGE_MAX, 100),
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(ExceptionSchema), next: z.string().nullable(), remaining: z.number().int() }),
      'A page of exceptions; `remaining` counts those after it',
    ),
    ...errors,
  },
});

const counts = createRoute({
  method: 'get',
  path: '/exceptions/counts',
  tags,
  summary: 'Open exceptions counted by reason and by connection',
  request: { query: Filter.pick({ connection: true, kind: true }) },
  responses: {
    200: json(
      z.object({
        open: z.number().int(),
        byKind: z.array(z.object({ kind: z.string(), count: z.number().int() })),
        byConnection: z.array(z.object({ connectionId: z.string().nullable(), count: z.number().int() })),
        oldestOpenAt: z.string().nullable(),
      }),
      'Counts',
    ),
    ...errors,
  },
});

const detail = createRoute({
  method: 'get',
  path: '/exceptions/{id}',
  tags,
  summary: 'One exception with its stored input',
  request: { params: Id },
  responses: {
    200: json(
      z.object({
        exception: ExceptionSchema,
        input: z
          .object({
            inboxId: z.string(),
            dedupeKey: z.string(),
            receivedAt: z.string(),
            contentType: z.string(),
            headers: z.record(z.string(), z.string()),
            body: z.string(),
            encoding: z.enum(['utf8', 'base64']),
          })
          .nullable(),
        editable: z.boolean(),
      }),
      'The exception and the input it failed on',
    ),
    ...errors,
  },
});

const replay = createRoute({
  method: 'post',
  path: '/exceptions/{id}/replay',
  tags,
  summary: "Replay an exception's stored input through today's connector and mappings",
  request: { params: Id },
  responses: { 200: json(ReplayOutcomeSchema, 'What the replay did'), ...errors },
});

const edit = createRoute({
  method: 'post',
  path: '/exceptions/{id}/edit-and-replay',
  tags,
  summary: 'Correct the stored payload (kept as a new revision beside the original), then replay',
  request: {
    params: Id,
    body: {
      content: {
        'application/json': {
          schema: z.object({
            payload: z
              .string()
              .min(1)
              .openapi({ description: 'the corrected payload, as the sender would send it' }),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(
      z.object({ inboxId: z.string(), outcome: ReplayOutcomeSchema }),
      'The revision stored and the replay',
    ),
    ...errors,
  },
});

const close = (status: 'resolved' | 'ignored') =>
  createRoute({
    method: 'post',
    path: `/exceptions/{id}/${status === 'resolved' ? 'resolve' : 'ignore'}`,
    tags,
    summary: status === 'resolved' ? 'Resolve by hand, with the reason' : 'Ignore, with the reason',
    request: { params: Id, body: { content: { 'application/json': { schema: Reason } }, required: true } },
    responses: { 200: json(ExceptionSchema, 'The exception, closed'), ...errors },
  });

const bulk = createRoute({
  method: 'post',
  path: '/exceptions/replay',
  tags,
  summary: 'Replay every open exception matching a filter, as a tracked, throttled job',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({
            connection: z.string().max(200).optional(),
            kind: z.string().max(100).optional(),
            since: Instant,
            olderThan: Age,
          }),
        },
      },
      required: true,
    },
  },
  responses: { 202: json(JobSchema, 'The job; follow it at /jobs/{id}'), ...errors },
});

export function exceptionRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await listExceptions(deps.hub.sql, c.get('principal').tenantId, {
      status: q.status ?? 'open',
      ...(q.connection ? { connectionId: q.connection } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.olderThan ? { before: q.olderThan } : {}),
      cursor: q.cursor ?? null,
      limit: q.limit ?? 100,
    });
    return c.json(page, 200);
  });
  app.openapi(counts, async (c) => {
    const q = c.req.valid('query');
    const result = await countExceptions(deps.hub.sql, c.get('principal').tenantId, {
      ...(q.connection ? { connectionId: q.connection } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
    });
    return c.json(result, 200);
  });
  app.openapi(detail, async (c) =>
    c.json(await exceptionDetail(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
  app.openapi(replay, async (c) =>
    c.json(await replayException(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
  app.openapi(edit, async (c) =>
    c.json(
      await editAndReplay(operatorOf(c, deps), c.req.valid('param').id, c.req.valid('json').payload),
      200,
    ),
  );
  for (const status of ['resolved', 'ignored'] as const) {
    app.openapi(close(status), async (c) =>
      c.json(
        await closeException(operatorOf(c, deps), c.req.valid('param').id, {
          status,
          reason: c.req.valid('json').reason,
        }),
        200,
      ),
    );
  }
  app.openapi(bulk, async (c) => {
    const body = c.req.valid('json');
    const job = await startBulkReplay(operatorOf(c, deps), {
      ...(body.connection ? { connectionId: body.connection } : {}),
      ...(body.kind ? { kind: body.kind } : {}),
      ...(body.since ? { since: body.since } : {}),
      ...(body.olderThan ? { before: body.olderThan } : {}),
    });
    return c.json(job, 202);
  });
}
