import { createRoute, z } from '@hono/zod-openapi';
import { getDelivery, getOrderDetail, HubError, listOrders, ORDERS_PAGE_MAX } from '@switchyard/core';
import { workflowOf } from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import {
  Cursor,
  errors,
  IdParam,
  Instant,
  json,
  Limit,
  OrderSchema,
  OrderSummarySchema,
  WorkflowSchema,
} from './schemas.ts';

const tags = ['Orders'];

const list = createRoute({
  method: 'get',
  path: '/orders',
  tags,
  summary: 'Search orders, newest first, a page at a time',
  request: {
    query: z.object({
      connection: z.string().max(200).optional(),
      status: z.string().max(50).optional(),
      placedFrom: Instant,
      placedTo: Instant,
      updatedFrom: Instant,
      updatedTo: Instant,
      q: z.string().max(200).optional().openapi({ description: "the channel's order id or number, exactly" }),
      externalId: z.string().max(200).optional(),
      externalNumber: z.string().max(200).optional(),
      po: z.string().max(200).optional().openapi({ description: 'the B2B purchase order number' }),
      email: z.string().max(320).optional().openapi({ description: "the customer's email, any case" }),
      sku: z.string().max(200).optional().openapi({ description: 'orders with a line of this SKU' }),
      sort: z.enum(['created', 'placed', 'updated']).optional(),
      cursor: Cursor,
      limit: Limit(ORDERS_PAGE_MAX, 50),
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(OrderSummarySchema), next: z.string().nullable() }),
      'A page of orders',
    ),
    ...errors,
  },
});

const DeliverySchema = z.object({
  id: z.string(),
  dedupeKey: z.string(),
  receivedAt: z.string(),
  contentType: z.string(),
  status: z.string(),
  bytes: z.number().int(),
  revisionOf: z.string().nullable(),
});

const detail = createRoute({
  method: 'get',
  path: '/orders/{id}',
  tags,
  summary:
    "One order: lines, totals, payments, fulfillments, its timeline, its workflow's steps, its deliveries",
  request: { params: IdParam('order id', 'ord_01JD0000000000000000000000') },
  responses: {
    200: json(
      z.object({
        order: OrderSchema,
        timeline: z.array(
          z.object({
            version: z.number().int(),
            type: z.string(),
            data: z.record(z.string(), z.unknown()),
            inboxId: z.string().nullable(),
            stepKey: z.string().nullable(),
            at: z.string(),
          }),
        ),
        deliveries: z.array(DeliverySchema),
        workflowStartedAt: z.string().nullable(),
        workflow: WorkflowSchema.nullable(),
      }),
      'The order',
    ),
    ...errors,
  },
});

const delivery = createRoute({
  method: 'get',
  path: '/deliveries/{id}',
  tags,
  summary: 'One raw delivery as it was received (headers without credentials, the body)',
  request: { params: IdParam('delivery (inbox) id', '1042') },
  responses: {
    200: json(
      DeliverySchema.extend({
        connectionId: z.string(),
        method: z.string(),
        path: z.string(),
        headers: z.record(z.string(), z.string()),
        processedAt: z.string().nullable(),
        body: z.string(),
        bodyEncoding: z.enum(['utf8', 'base64']),
      }),
      'The delivery',
    ),
    ...errors,
  },
});

const notFound = (what: string, tenant: string, id: string) =>
  new HubError({
    type: `${what}-not-found`,
    title: `No such ${what}`,
    status: 404,
    detail: `tenant ${tenant} has no ${what} ${id.slice(0, 100)}`,
  });

export function orderRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await listOrders(deps.hub.sql, c.get('principal').tenantId, {
      ...(q.connection ? { connectionId: q.connection } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.placedFrom ? { placedFrom: q.placedFrom } : {}),
      ...(q.placedTo ? { placedTo: q.placedTo } : {}),
      ...(q.updatedFrom ? { updatedFrom: q.updatedFrom } : {}),
      ...(q.updatedTo ? { updatedTo: q.updatedTo } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.externalId ? { externalId: q.externalId } : {}),
      ...(q.externalNumber ? { externalNumber: q.externalNumber } : {}),
      ...(q.po ? { poNumber: q.po } : {}),
      ...(q.email ? { customerEmail: q.email } : {}),
      ...(q.sku ? { sku: q.sku } : {}),
      ...(q.sort ? { sort: q.sort } : {}),
      cursor: q.cursor ?? null,
      limit: q.limit ?? 50,
    });
    return c.json({ items: page.orders, next: page.next }, 200);
  });
  app.openapi(detail, async (c) => {
    const { id } = c.req.valid('param');
    const tenant = c.get('principal').tenantId;
    const found = await getOrderDetail(deps.hub.sql, tenant, id);
    if (!found) throw notFound('order', tenant, id);
    const workflow = found.workflowStartedAt ? await workflowOf(operatorOf(c, deps), id) : undefined;
    return c.json({ ...found, workflow: workflow ?? null }, 200);
  });
  app.openapi(delivery, async (c) => {
    const { id } = c.req.valid('param');
    const tenant = c.get('principal').tenantId;
    const found = await getDelivery(deps.hub.sql, tenant, id);
    if (!found) throw notFound('delivery', tenant, id);
    return c.json(found, 200);
  });
}
