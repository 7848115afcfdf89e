import { createRoute, z } from '@hono/zod-openapi';
import { rerouteAction, routingOf } from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import { errors, IdParam, json } from './schemas.ts';

const tags = ['Orders'];

const Line = z.object({ lineId: z.string(), sku: z.string(), quantity: z.number().int() });

const RoutingSchema = z
  .object({
    decisions: z.array(
      z.object({
        key: z
          .string()
          .openapi({ description: 'the routing step that decided (a backorder is routed in rounds)' }),
        decision: z.unknown().openapi({
          description:
            'as the router explained it: outcome, summary, candidates (locationId, verdict chosen | passed-over | rejected, reasons, distanceKm, has), shipments, backordered, cancelled',
        }),
        at: z.string(),
      }),
    ),
    shipments: z.array(
      z.object({
        n: z.number().int(),
        locationId: z
          .string()
          .openapi({ description: 'where it leaves from now (an operator may have moved it)' }),
        status: z.enum(['planned', 'rated', 'shipped', 'cancelled']),
        lines: z.array(Line),
        held: z.number().int().openapi({ description: 'units still reserved for it' }),
      }),
    ),
  })
  .openapi('OrderRouting');

const ShipmentParams = IdParam('order id', 'ord_01JD0000000000000000000000').extend({
  n: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .openapi({
      param: { name: 'n', in: 'path' },
      example: 1,
      description: "the shipment's number on the order",
    }),
});

const routing = createRoute({
  method: 'get',
  path: '/orders/{id}/routing',
  tags,
  summary: 'Where an order was sent: the routing decisions, explained, and its shipments as they stand',
  request: { params: IdParam('order id', 'ord_01JD0000000000000000000000') },
  responses: { 200: json(RoutingSchema, 'The routing'), ...errors },
});

const reroute = createRoute({
  method: 'post',
  path: '/orders/{id}/shipments/{n}/reroute',
  tags,
  summary: 'Move a planned shipment to another location (operator); the workflow ships it from there',
  description:
    'Its units are reserved at the new location and released at the old one, at once. 409 once its carrier shipment was made, or when the new location cannot promise every line. When the order’s workflow has failed, `replayNeeded` says it must be replayed to continue.',
  request: {
    params: ShipmentParams,
    body: {
      content: {
        'application/json': {
          schema: z.object({
            to: z
              .string()
              .trim()
              .min(1)
              .max(63)
              .openapi({ description: "one of the tenant's locations (GET /inventory/locations)" }),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(
      z
        .object({
          orderId: z.string(),
          n: z.number().int(),
          from: z.string(),
          to: z.string(),
          lines: z.array(Line),
          workflowState: z.string().nullable(),
          replayNeeded: z.boolean(),
          message: z.string(),
        })
        .openapi('Reroute'),
      'The shipment, moved',
    ),
    ...errors,
  },
});

export function routingRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(routing, async (c) =>
    c.json(await routingOf(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
  app.openapi(reroute, async (c) => {
    const { id, n } = c.req.valid('param');
    return c.json(await rerouteAction(operatorOf(c, deps), id, n, c.req.valid('json').to), 200);
  });
}
