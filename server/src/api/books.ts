import { createRoute, z } from '@hono/zod-openapi';
import { HubError, listPostings, listSummaries, summaryBreakdown } from '@switchyard/core';
import type { Api, ApiDeps } from './context.ts';
import { errors, json, Limit } from './schemas.ts';

const tags = ['Books'];

const JournalLineSchema = z.object({
  side: z.enum(['debit', 'credit']),
  account: z.string(),
  amount: z.number().int().openapi({ description: 'minor units of the summary currency' }),
  description: z.string(),
  taxCode: z.string().optional(),
  tracking: z.record(z.string(), z.unknown()).optional(),
});
const PostingSchema = z
  .object({
    booksConnection: z.string(),
    key: z.string().openapi({ example: 'sale:ord_01JD0000000000000000000000' }),
    orderId: z.string().nullable(),
    kind: z.string().openapi({ example: 'sales-receipt' }),
    status: z.enum(['pending', 'parked', 'posted', 'failed']),
    workflowId: z.string(),
    externalId: z.string().nullable(),
    number: z.string().nullable(),
    currency: z.string(),
    totalAmount: z.number().int(),
    taxAmount: z.number().int(),
    booksTotal: z.number().int().nullable(),
    booksTax: z.number().int().nullable(),
    detail: z.string().nullable(),
    paidAt: z.string().nullable(),
    createdAt: z.string(),
    postedAt: z.string().nullable(),
  })
  .openapi('BookPosting');
const SummarySchema = z
  .object({
    id: z.string(),
    booksConnection: z.string(),
    day: z.string(),
    currency: z.string(),
    status: z.string(),
    lines: z.array(JournalLineSchema),
    debits: z.number().int(),
    credits: z.number().int(),
    orders: z.number().int(),
    externalId: z.string().nullable(),
    detail: z.string().nullable(),
    postedAt: z.string().nullable(),
  })
  .openapi('DaySummary');

const postings = createRoute({
  method: 'get',
  path: '/books/postings',
  tags,
  summary: 'Documents posted (or being posted) to the books, newest first',
  request: {
    query: z.object({
      connection: z.string().max(63).optional(),
      status: z.enum(['pending', 'parked', 'posted', 'failed']).optional(),
      before: z.iso
        .datetime({ offset: true })
        .optional()
        .openapi({ description: 'createdAt of the last item seen' }),
      limit: Limit(1000, 100),
    }),
  },
  responses: { 200: json(z.object({ items: z.array(PostingSchema) }), 'Postings'), ...errors },
});
const summaries = createRoute({
  method: 'get',
  path: '/books/summaries',
  tags,
  summary: 'Daily summary journals, newest day first',
  request: { query: z.object({ connection: z.string().max(63).optional(), limit: Limit(1000, 60) }) },
  responses: { 200: json(z.object({ items: z.array(SummarySchema) }), 'Summaries'), ...errors },
});
const summary = createRoute({
  method: 'get',
  path: '/books/summaries/{id}',
  tags,
  summary: "One daily summary with the orders it holds and each order's own lines (its breakdown)",
  request: { params: z.object({ id: z.string().min(1).max(200) }) },
  responses: {
    200: json(
      z.object({
        summary: SummarySchema,
        entries: z.array(
          z.object({
            entryKey: z.string(),
            orderId: z.string(),
            externalNumber: z.string().nullable(),
            kind: z.string(),
            amount: z.number().int(),
            lines: z.array(JournalLineSchema),
          }),
        ),
      }),
      'The summary and its breakdown',
    ),
    ...errors,
  },
});

export function booksRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(postings, async (c) => {
    const q = c.req.valid('query');
    const items = await listPostings(deps.hub.sql, c.get('principal').tenantId, {
      ...(q.connection ? { booksConnection: q.connection } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.before ? { before: q.before } : {}),
      limit: q.limit,
    });
    return c.json({ items }, 200);
  });
  app.openapi(summaries, async (c) => {
    const q = c.req.valid('query');
    const items = await listSummaries(deps.hub.sql, c.get('principal').tenantId, {
      ...(q.connection ? { booksConnection: q.connection } : {}),
      limit: q.limit,
    });
    return c.json({ items }, 200);
  });
  app.openapi(summary, async (c) => {
    const found = await summaryBreakdown(deps.hub.sql, c.get('principal').tenantId, c.req.valid('param').id);
    if (!found)
      throw new HubError({
        type: 'not-found',
        title: 'No such summary',
        status: 404,
        detail: `no daily summary ${c.req.valid('param').id} for this tenant`,
        fix: 'list them: GET /api/v1/books/summaries',
      });
    return c.json(found as never, 200);
  });
}
