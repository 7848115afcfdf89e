import { createRoute, z } from '@hono/zod-openapi';
import {
  ediDocument,
  ediDocuments,
  ediInterchanges,
  ediPartners,
  resendDocument,
} from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import { errors, json, Limit } from './schemas.ts';

const tags = ['EDI'];
const DocId = z.object({
  id: z
    .string()
    .regex(/^\d{1,18}$/, 'a document id (digits)')
    .openapi({ param: { name: 'id', in: 'path' }, example: '42' }),
});

const DocumentSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    kind: z.string(),
    orderId: z.string().nullable(),
    isaControl: z.string(),
    gsControl: z.string().nullable(),
    stControl: z.string().nullable(),
    status: z.enum(['queued', 'sending', 'sent', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
    ackStatus: z.string().nullable(),
    ackErrors: z.unknown(),
    ackedAt: z.string().nullable(),
    dueAt: z.string().nullable(),
    ackDueAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('EdiDocument');

const partners = createRoute({
  method: 'get',
  path: '/edi/partners',
  tags,
  summary: "The tenant's trading partners",
  responses: {
    200: json(
      z.object({
        items: z.array(
          z.object({
            id: z.string(),
            partner: z.string(),
            us: z.string(),
            version: z.string(),
            transport: z.string(),
          }),
        ),
      }),
      'Partners',
    ),
    ...errors,
  },
});
const documents = createRoute({
  method: 'get',
  path: '/edi/documents',
  tags,
  summary: 'Documents sent to partners, with delivery and acknowledgment status; newest first',
  request: {
    query: z.object({
      partner: z.string().max(200).optional(),
      kind: z.enum(['TA1', '997', '999', '855', '856', '810']).optional(),
      overdue: z
        .enum(['true', 'false'])
        .optional()
        .openapi({ description: 'only acknowledgments overdue and deliveries that gave up' }),
      cursor: z
        .string()
        .regex(/^\d{1,18}$/)
        .optional(),
      limit: Limit(500, 50),
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(DocumentSchema), next: z.string().nullable() }),
      'A page of documents',
    ),
    ...errors,
  },
});
const document = createRoute({
  method: 'get',
  path: '/edi/documents/{id}',
  tags,
  summary: 'One document, with its X12 text',
  request: { params: DocId },
  responses: { 200: json(DocumentSchema.extend({ body: z.string() }), 'The document'), ...errors },
});
const resend = createRoute({
  method: 'post',
  path: '/edi/documents/{id}/resend',
  tags,
  summary: 'Queue again a document whose delivery gave up',
  request: { params: DocId },
  responses: { 200: json(DocumentSchema.extend({ body: z.string() }), 'The document, queued'), ...errors },
});
const interchanges = createRoute({
  method: 'get',
  path: '/edi/interchanges',
  tags,
  summary: 'Interchanges received from partners, newest first',
  request: { query: z.object({ partner: z.string().max(200).optional(), limit: Limit(500, 50) }) },
  responses: {
    200: json(
      z.object({
        items: z.array(
          z.object({
            connectionId: z.string(),
            sender: z.string(),
            receiver: z.string(),
            control: z.string(),
            inboxId: z.string().nullable(),
            status: z.string(),
            receivedAt: z.string(),
          }),
        ),
      }),
      'Interchanges',
    ),
    ...errors,
  },
});

/** Dates as ISO strings, the way every answer of the API gives them. */
function dated<T extends object>(doc: T) {
  return Object.fromEntries(
    Object.entries(doc).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  ) as { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
}

export function ediRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(partners, async (c) => c.json({ items: ediPartners(operatorOf(c, deps)) }, 200));
  app.openapi(documents, async (c) => {
    const q = c.req.valid('query');
    const page = await ediDocuments(operatorOf(c, deps), {
      ...(q.partner ? { connectionId: q.partner } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.overdue === 'true' ? { overdue: true } : {}),
      ...(q.cursor ? { beforeId: q.cursor } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ items: page.documents.map(dated), next: page.next }, 200);
  });
  app.openapi(document, async (c) =>
    c.json(dated(await ediDocument(operatorOf(c, deps), c.req.valid('param').id)), 200),
  );
  app.openapi(resend, async (c) =>
    c.json(dated(await resendDocument(operatorOf(c, deps), c.req.valid('param').id)), 200),
  );
  app.openapi(interchanges, async (c) => {
    const q = c.req.valid('query');
    const items = await ediInterchanges(operatorOf(c, deps), {
      ...(q.partner ? { connectionId: q.partner } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return c.json({ items: items.map(dated) }, 200);
  });
}
