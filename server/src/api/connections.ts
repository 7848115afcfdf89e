import { createRoute, z } from '@hono/zod-openapi';
import {
  authorizationStatus,
  beginAuthorization,
  connectionHealth,
  startSync,
  syncWebhookSubscriptions,
} from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import { errors, IdParam, JobSchema, json } from './schemas.ts';

const tags = ['Connections'];
const Id = IdParam('connection id', 'shop');

const HealthSchema = z
  .object({
    id: z.string(),
    connector: z.string(),
    capabilities: z.array(z.string()),
    lastDeliveryAt: z.string().nullable(),
    lastPollAt: z.string().nullable(),
    lastPollStatus: z.string().nullable(),
    lagSeconds: z.number().int().nullable(),
    pollEvery: z.string().nullable(),
    openExceptions: z.number().int(),
    vendorCalls: z
      .object({
        calls: z.number().int(),
        errorRate: z.number(),
        throttledRate: z.number(),
        windowMinutes: z.number(),
      })
      .nullable(),
    subscription: z.string(),
    tokens: z.array(
      z.object({
        name: z.string().openapi({ example: 'LWA access token' }),
        state: z.enum(['none', 'valid', 'expired', 'failed', 'reconnect-needed']),
        expiresAt: z.string().optional(),
        mintedAt: z.string().optional(),
        error: z.string().optional(),
        notice: z.string().optional(),
      }),
    ),
    notifications: z
      .object({
        pending: z.number().int(),
        oldestPendingSeconds: z.number().int().nullable(),
        lastHour: z.object({
          fetched: z.number().int(),
          p50Seconds: z.number().nullable(),
          maxSeconds: z.number().nullable(),
        }),
      })
      .nullable(),
    shipBy: z
      .object({
        next: z.object({ orderId: z.string(), externalId: z.string(), at: z.string() }),
        dueWithinDay: z.number().int(),
        overdue: z.number().int(),
      })
      .nullable(),
    authorization: z
      .object({
        state: z.enum(['not-authorized', 'valid', 'expired', 'reconnect-needed']),
        account: z.string().nullable().openapi({ description: 'QuickBooks realm id or Xero tenant id' }),
        accountName: z.string().nullable(),
        accessExpiresAt: z.string().nullable(),
        refreshExpiresAt: z.string().nullable(),
        authorizedAt: z.string().nullable(),
        error: z.string().nullable(),
      })
      .nullable(),
    books: z
      .object({
        postings: z.object({
          pending: z.number().int(),
          parked: z.number().int(),
          posted: z.number().int(),
          failed: z.number().int(),
        }),
        openInvoices: z.number().int(),
        lastSummary: z.object({ day: z.string(), currency: z.string(), status: z.string() }).nullable(),
      })
      .nullable(),
    trouble: z.string().nullable(),
  })
  .openapi('ConnectionHealth');

const list = createRoute({
  method: 'get',
  path: '/connections',
  tags,
  summary: "The tenant's connections and their health",
  responses: { 200: json(z.object({ items: z.array(HealthSchema) }), 'Connections'), ...errors },
});
const sync = createRoute({
  method: 'post',
  path: '/connections/{id}/sync',
  tags,
  summary: 'Pull the connection now, from its watermark, as a job with progress',
  request: { params: Id },
  responses: { 202: json(JobSchema, 'The job'), ...errors },
});
const backfill = createRoute({
  method: 'post',
  path: '/connections/{id}/backfill',
  tags,
  summary: 'Pull history from a date, as a job with progress',
  request: {
    params: Id,
    body: {
      content: {
        'application/json': {
          schema: z.object({ since: z.string().max(40).openapi({ example: '2026-01-01' }) }),
        },
      },
      required: true,
    },
  },
  responses: { 202: json(JobSchema, 'The job'), ...errors },
});

const webhooks = createRoute({
  method: 'post',
  path: '/connections/{id}/webhooks/sync',
  tags,
  summary:
    "Point the vendor's webhook subscriptions at this hub's server.publicUrl (create what is missing, repoint the rest)",
  request: { params: Id },
  responses: {
    200: json(
      z.object({
        url: z.string(),
        created: z.array(z.string()),
        updated: z.array(z.string()),
        unchanged: z.array(z.string()),
      }),
      'What changed',
    ),
    ...errors,
  },
});

const authorize = createRoute({
  method: 'post',
  path: '/connections/{id}/authorize',
  tags,
  summary:
    "Start authorizing a QuickBooks Online or Xero connection: open `url`, consent, and the vendor sends you back to the hub's /oauth/callback",
  request: { params: Id },
  responses: {
    201: json(
      z.object({
        id: z.string(),
        connectionId: z.string(),
        url: z.string(),
        redirectUri: z.string(),
        expiresAt: z.string(),
      }),
      'The authorization started',
    ),
    ...errors,
  },
});
const authorization = createRoute({
  method: 'get',
  path: '/connections/{id}/authorizations/{authorization}',
  tags,
  summary: 'Where an authorization stands: waiting, authorized, failed or expired',
  request: { params: Id.extend({ authorization: z.string().min(1).max(100) }) },
  responses: {
    200: json(
      z.object({
        status: z.enum(['waiting', 'authorized', 'failed', 'expired']),
        detail: z.string().optional(),
      }),
      'Its status',
    ),
    ...errors,
  },
});

export function connectionRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(authorize, async (c) =>
    c.json(
      // Without server.publicUrl, the vendor sends the merchant back to the address this request came to.
      await beginAuthorization(operatorOf(c, deps), c.req.valid('param').id, {
        fallbackBase: new URL(c.req.url).origin,
      }),
      201,
    ),
  );
  app.openapi(authorization, async (c) => {
    const { id, authorization: which } = c.req.valid('param');
    return c.json(await authorizationStatus(operatorOf(c, deps), id, which), 200);
  });
  app.openapi(list, async (c) => c.json({ items: await connectionHealth(operatorOf(c, deps)) }, 200));
  app.openapi(sync, async (c) => c.json(await startSync(operatorOf(c, deps), c.req.valid('param').id), 202));
  // Only to server.publicUrl: pointing a shop's webhooks elsewhere would send its orders to a third party.
  app.openapi(webhooks, async (c) =>
    c.json(await syncWebhookSubscriptions(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
  app.openapi(backfill, async (c) =>
    c.json(
      await startSync(operatorOf(c, deps), c.req.valid('param').id, {
        backfillSince: c.req.valid('json').since,
      }),
      202,
    ),
  );
}
