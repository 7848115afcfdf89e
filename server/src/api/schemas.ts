import { z } from '@hono/zod-openapi';
import { Order } from '@switchyard/core';

/** RFC 9457 problem, as every error of the hub is answered. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:switchyard:problem:exception-not-found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    fix: z.string().optional(),
  })
  .passthrough()
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** The error answers every route may give, for the OpenAPI document. */
export const errors = {
  400: { description: 'Bad input: what was wrong and what to do', content: problemContent },
  401: { description: 'No key, or an unknown or revoked one', content: problemContent },
  403: { description: "The key's role does not allow this", content: problemContent },
  404: { description: "No such object in the key's tenant", content: problemContent },
  409: { description: 'The object is not in a state that allows this', content: problemContent },
  429: { description: 'Too many failed authentications from this address', content: problemContent },
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const IdParam = (name: string, example: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(200)
      .openapi({ param: { name: 'id', in: 'path' }, example, description: name }),
  });

export const Limit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .optional()
    .openapi({ description: `page size, 1..${max} (default ${fallback})` });

export const Cursor = z
  .string()
  .max(400)
  .optional()
  .openapi({ description: "the previous page's `next`, as it was given; none for the first page" });

export const Reason = z
  .object({ reason: z.string().trim().min(1).max(2000).openapi({ example: 'order re-keyed by hand' }) })
  .openapi('Reason');

export { Order as OrderSchema };

export const OrderSummarySchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    externalId: z.string(),
    externalNumber: z.string().nullable(),
    status: z.string(),
    currency: z.string(),
    totalAmount: z.number().int().openapi({ description: 'minor units of `currency`' }),
    poNumber: z.string().nullable(),
    placedAt: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
  })
  .passthrough()
  .openapi('OrderSummary');

export const ExceptionSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    connectionId: z.string().nullable(),
    kind: z.string(),
    inboxId: z.string().nullable(),
    message: z.string(),
    detail: z.record(z.string(), z.unknown()),
    status: z.enum(['open', 'resolved', 'ignored']),
    resolution: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    replayCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('Exception');

export const ReplayOutcomeSchema = z
  .object({
    status: z.enum(['resolved', 'failed']),
    exceptionId: z.string(),
    message: z.string().optional(),
    ignored: z.string().optional(),
    orders: z
      .array(z.object({ result: z.string(), orderId: z.string(), version: z.number().int() }))
      .optional(),
  })
  .openapi('ReplayOutcome');

export const JobSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    kind: z.string(),
    params: z.record(z.string(), z.unknown()),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    total: z.number().int().nullable(),
    done: z.number().int(),
    failed: z.number().int(),
    cursor: z.string().nullable(),
    lastError: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('Job');

export const WorkflowSchema = z
  .object({
    workflowId: z.string(),
    name: z.string(),
    state: z.enum(['pending', 'queued', 'succeeded', 'failed', 'cancelled']),
    error: z.string().optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    steps: z.array(
      z.object({
        key: z.string(),
        status: z.enum(['succeeded', 'failed']),
        error: z.string().optional(),
        startedAt: z.string().optional(),
        endedAt: z.string().optional(),
      }),
    ),
  })
  .openapi('Workflow');

export const ApiKeySchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    role: z.enum(['viewer', 'operator', 'admin']),
    prefix: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    actor: z.string(),
    actorName: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
    at: z.string(),
  })
  .openapi('AuditEntry');

/** An ISO date or date-time in a query, as a Date. */
export const Instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
    'an ISO date or date-time',
  )
  .refine((s) => {
    const year = new Date(s).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'a real date, in the years 1 to 9999')
  .transform((s) => new Date(s))
  .optional();

/** An age such as 90m, 24h, 7d, 2w, as the time that long ago. */
export const Age = z
  .string()
  .regex(/^\d{1,6}[mhdw]$/, 'an age such as 90m, 24h, 7d or 2w')
  .refine((s) => {
    const minutes = { m: 1, h: 60, d: 1440, w: 10080 }[s.at(-1) as 'm' | 'h' | 'd' | 'w'];
    return Number(s.slice(0, -1)) * minutes <= 100 * 525_960;
  }, 'an age of at most 100 years')
  .transform((s) => {
    const minutes = { m: 1, h: 60, d: 1440, w: 10080 }[s.at(-1) as 'm' | 'h' | 'd' | 'w'];
    return new Date(Date.now() - Number(s.slice(0, -1)) * minutes * 60_000);
  })
  .optional();
