import { createRoute, z } from '@hono/zod-openapi';
import { HubError, STOCK_PAGE_MAX } from '@switchyard/core';
import { bodyLimit } from 'hono/body-limit';
import {
  FILE_KINDS,
  loadStockFile,
  MANUAL_KINDS,
  QUANTITY_MAX,
  recordMovement,
  skuDetail,
  stockLevels,
  stockMovements,
  tenantLocations,
} from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import { Cursor, errors, json, Limit, ProblemSchema } from './schemas.ts';

const tags = ['Inventory'];

const Sku = z.string().trim().min(1).max(200);
const LocationId = z.string().trim().min(1).max(63);

const LevelSchema = z
  .object({
    sku: z.string(),
    locationId: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    safetyStock: z.number().int(),
    available: z
      .number()
      .int()
      .openapi({ description: 'on hand − reserved − safety stock; negative after a count found less' }),
    updatedAt: z.string(),
  })
  .openapi('StockLevel');

const MovementSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    locationId: z.string(),
    kind: z.enum([
      'receipt',
      'adjustment',
      'reservation',
      'release',
      'shipment',
      'return',
      'count',
      'safety',
    ]),
    quantity: z
      .number()
      .int()
      .openapi({ description: "what the movement says: a count's figure, a signed change" }),
    onHandChange: z.number().int(),
    reservedChange: z.number().int(),
    onHandAfter: z.number().int(),
    reservedAfter: z.number().int(),
    reason: z.string().nullable(),
    sourceRef: z.string().nullable().openapi({ description: 'the order that caused it, if one did' }),
    actor: z.string().nullable(),
    at: z.string(),
  })
  .openapi('StockMovement');

const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next: z.string().nullable() });

const levels = createRoute({
  method: 'get',
  path: '/inventory/levels',
  tags,
  summary: 'Balances by SKU and location, in that order, a page at a time',
  request: {
    query: z.object({
      sku: z
        .string()
        .max(200)
        .optional()
        .openapi({ description: 'SKUs starting with this (case-sensitive)' }),
      location: z.string().max(63).optional(),
      short: z
        .enum(['true', 'false'])
        .optional()
        .openapi({ description: 'only balances with nothing (or less) left to promise' }),
      cursor: Cursor,
      limit: Limit(STOCK_PAGE_MAX, 50),
    }),
  },
  responses: { 200: json(page(LevelSchema), 'A page of balances'), ...errors },
});

const sku = createRoute({
  method: 'get',
  path: '/inventory/skus/{sku}',
  tags,
  summary: 'One SKU: its balance at each location, the totals, and the movements behind them (newest first)',
  request: {
    params: z.object({
      sku: Sku.openapi({ param: { name: 'sku', in: 'path' }, example: 'MUG-12OZ' }),
    }),
    query: z.object({
      location: z.string().max(63).optional(),
      cursor: Cursor,
      limit: Limit(STOCK_PAGE_MAX, 50),
    }),
  },
  responses: {
    200: json(
      z.object({
        sku: z.string(),
        levels: z.array(LevelSchema),
        total: z.object({
          onHand: z.number().int(),
          reserved: z.number().int(),
          available: z
            .number()
            .int()
            .openapi({ description: 'what may be promised, each location at least 0' }),
        }),
        movements: z.array(MovementSchema),
        next: z.string().nullable().openapi({ description: 'cursor of the next page of movements' }),
      }),
      'The SKU',
    ),
    ...errors,
  },
});

const movements = createRoute({
  method: 'get',
  path: '/inventory/movements',
  tags,
  summary: 'Movements, newest first: of a SKU, at a location, or caused by an order',
  request: {
    query: z.object({
      sku: z.string().max(200).optional().openapi({ description: 'exactly this SKU' }),
      location: z.string().max(63).optional(),
      order: z.string().max(200).optional().openapi({ description: 'movements an order caused (its id)' }),
      cursor: Cursor,
      limit: Limit(STOCK_PAGE_MAX, 50),
    }),
  },
  responses: { 200: json(page(MovementSchema), 'A page of movements'), ...errors },
});

const Recorded = z
  .object({
    applied: z.boolean().openapi({ description: 'false: this key was recorded before, nothing changed' }),
    movement: MovementSchema,
    level: LevelSchema,
  })
  .openapi('RecordedMovement');

const record = createRoute({
  method: 'post',
  path: '/inventory/movements',
  tags,
  summary: 'Record a receipt, adjustment, count, return or safety stock by hand (operator)',
  description:
    'Needs an idempotency key (the `Idempotency-Key` header, or `idempotencyKey` in the body): sent again with the same key, the movement counts once and the answer is the earlier movement (200); the same key for another movement is a 409.',
  request: {
    headers: z.object({
      'idempotency-key': z.string().max(200).optional().openapi({ description: 'one per movement' }),
    }),
    body: {
      content: {
        'application/json': {
          schema: z.object({
            sku: Sku,
            location: LocationId.openapi({
              description: "one of the tenant's locations (GET /inventory/locations)",
            }),
            kind: z.enum(MANUAL_KINDS).openapi({
              description:
                'receipt and return: units in (> 0); adjustment: a signed change (needs a reason); count: the units on the shelf now; safety: the units to hold back',
            }),
            quantity: z.number().int().min(-QUANTITY_MAX).max(QUANTITY_MAX),
            reason: z.string().max(500).optional(),
            idempotencyKey: z.string().max(200).optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    201: json(Recorded, 'Recorded now'),
    200: json(Recorded, 'Recorded before under this key: nothing changed'),
    ...errors,
  },
});

const counts = createRoute({
  method: 'post',
  path: '/inventory/counts',
  tags,
  summary: 'Load a CSV of counts (or receipts or adjustments), all or nothing (operator)',
  description:
    'The body is CSV with the header `sku,location,quantity[,reason]`. Every bad row is named with its line in the 400 (`problems`), and nothing is recorded. Each row is keyed by the SHA-256 of the body and its line: the same file sent twice counts once.',
  request: {
    query: z.object({ kind: z.enum(FILE_KINDS).optional().openapi({ description: 'default count' }) }),
    body: {
      content: {
        'text/csv': { schema: z.string().openapi({ example: 'sku,location,quantity\nMUG-12OZ,east,40\n' }) },
      },
      required: true,
    },
  },
  responses: {
    200: json(
      z.object({
        kind: z.enum(FILE_KINDS),
        sha256: z.string(),
        rows: z.number().int(),
        applied: z.number().int(),
        alreadyLoaded: z
          .number()
          .int()
          .openapi({ description: 'rows recorded by an earlier load of this file' }),
      }),
      'What was recorded',
    ),
    413: {
      description: 'The file is over server.bodyLimit',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    },
    415: {
      description: 'The body is not text/csv',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    },
    ...errors,
  },
});

const locations = createRoute({
  method: 'get',
  path: '/inventory/locations',
  tags,
  summary: "The tenant's stock locations, as the config declares them",
  responses: {
    200: json(
      z.object({
        items: z.array(
          z
            .object({
              id: z.string(),
              name: z.string().optional(),
              kind: z.string(),
              address: z.record(z.string(), z.unknown()),
              channels: z.array(z.string()).optional(),
              countries: z.array(z.string()).optional(),
              priority: z.number().int(),
              partial: z.boolean(),
              shipping: z.string().optional(),
            })
            .passthrough()
            .openapi('StockLocation'),
        ),
      }),
      'Locations',
    ),
    ...errors,
  },
});

function idempotencyKeyOf(header: string | undefined, body: string | undefined): string {
  if (header && body && header !== body) {
    throw new HubError({
      type: 'invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'the Idempotency-Key header and the body’s idempotencyKey differ',
      fix: 'send the key once, in either place',
    });
  }
  const key = (header ?? body ?? '').trim();
  if (key) return key;
  throw new HubError({
    type: 'idempotency-key-required',
    title: 'Idempotency key required',
    status: 400,
    detail: 'a movement needs an idempotency key, and none was sent',
    fix: 'send an Idempotency-Key header (or idempotencyKey in the body), a new one per movement: a retried request then records it once',
  });
}

export function inventoryRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(levels, async (c) => {
    const q = c.req.valid('query');
    const found = await stockLevels(operatorOf(c, deps), {
      ...(q.sku ? { sku: q.sku } : {}),
      ...(q.location ? { locationId: q.location } : {}),
      ...(q.short === 'true' ? { short: true } : {}),
      cursor: q.cursor ?? null,
      limit: q.limit ?? 50,
    });
    return c.json(found, 200);
  });
  app.openapi(sku, async (c) => {
    const q = c.req.valid('query');
    const found = await skuDetail(operatorOf(c, deps), c.req.valid('param').sku, {
      ...(q.location ? { locationId: q.location } : {}),
      cursor: q.cursor ?? null,
      limit: q.limit ?? 50,
    });
    return c.json(found, 200);
  });
  app.openapi(movements, async (c) => {
    const q = c.req.valid('query');
    const found = await stockMovements(operatorOf(c, deps), {
      ...(q.sku ? { sku: q.sku } : {}),
      ...(q.location ? { locationId: q.location } : {}),
      ...(q.order ? { orderId: q.order } : {}),
      cursor: q.cursor ?? null,
      limit: q.limit ?? 50,
    });
    return c.json(found, 200);
  });
  app.openapi(record, async (c) => {
    const body = c.req.valid('json');
    const recorded = await recordMovement(operatorOf(c, deps), {
      sku: body.sku,
      locationId: body.location,
      kind: body.kind,
      quantity: body.quantity,
      reason: body.reason,
      idempotencyKey: idempotencyKeyOf(c.req.valid('header')['idempotency-key'], body.idempotencyKey),
    });
    return recorded.applied ? c.json(recorded, 201) : c.json(recorded, 200);
  });
  app.use(
    '/inventory/counts',
    bodyLimit({
      maxSize: deps.hub.config.server.bodyLimit,
      onError: () => {
        throw new HubError({
          type: 'body-too-large',
          title: 'Payload too large',
          status: 413,
          detail: `the file is over server.bodyLimit (${deps.hub.config.server.bodyLimit} bytes)`,
          fix: 'split it into smaller files; each counts on its own',
        });
      },
    }),
  );
  app.openapi(counts, async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^text\/(csv|plain)\b/i.test(type)) {
      throw new HubError({
        type: 'unsupported-media-type',
        title: 'Not CSV',
        status: 415,
        detail: `the body is ${type || 'of no declared type'}, not text/csv`,
        fix: 'send the file as the body with Content-Type: text/csv',
      });
    }
    const file = new Uint8Array(await c.req.arrayBuffer());
    const loaded = await loadStockFile(operatorOf(c, deps), file, { kind: c.req.valid('query').kind });
    return c.json(loaded, 200);
  });
  app.openapi(locations, async (c) => c.json({ items: tenantLocations(operatorOf(c, deps)) }, 200));
}
