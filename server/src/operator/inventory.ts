import {
  applyMovement,
  HubError,
  type Level,
  type LevelFilter,
  listLevels,
  listMovements,
  type Movement,
  type MovementKind,
  recordAudit,
  type Sql,
  STOCK_PAGE_MAX,
  skuStock,
} from '@switchyard/core';
import { type Location, resolvePlans } from '@switchyard/workflows';
import { installedConnectors } from '../connectors.ts';
import { type OperatorContext, requireRole } from './context.ts';

/**
 * The inventory ledger as operators see and change it, once for the API, the CLI and the console: balances by
 * SKU and location, the movements behind a figure, and the movements an operator records by hand (receipts,
 * adjustments, counts, returns, safety stock). Every read is the principal's tenant's; every write is checked
 * against the tenant's configured locations and audited in its own transaction.
 */

/** The kinds an operator records; reservations, releases and shipments are the order workflow's. */
export const MANUAL_KINDS = ['receipt', 'adjustment', 'count', 'return', 'safety'] as const;
export type ManualKind = (typeof MANUAL_KINDS)[number];

/** Largest figure a movement may carry: far beyond any shelf, well inside PostgreSQL's bigint. */
export const QUANTITY_MAX = 1_000_000_000;

/** Text someone gave, quoted in a message: short, and on one line whatever it held. */
export const shown = (text: string, max = 100) => text.slice(0, max).replace(/\p{Cc}/gu, '?');

const resolved = new WeakMap<object, Map<string, Location[]>>();

/** The tenant's locations as the config declares them (checked when the hub loaded it). */
export function tenantLocations(ctx: OperatorContext): Location[] {
  const config = ctx.hub.config;
  let byTenant = resolved.get(config);
  if (!byTenant) {
    byTenant = resolvePlans(config.connections, installedConnectors, config.locations ?? []).locations;
    resolved.set(config, byTenant);
  }
  return byTenant.get(ctx.by.tenantId) ?? [];
}

function invalid(detail: string, fix: string, type = 'invalid-request'): HubError {
  return new HubError({ type, title: 'Invalid request', status: 400, detail, fix });
}

/** The location, when the tenant has it; a 400 naming the ones it has otherwise. */
export function knownLocation(ctx: OperatorContext, locationId: string): Location {
  const locations = tenantLocations(ctx);
  const found = locations.find((l) => l.id === locationId);
  if (found) return found;
  throw new HubError({
    type: 'unknown-location',
    title: 'Unknown location',
    status: 400,
    detail: `tenant ${ctx.by.tenantId} has no location "${shown(locationId)}"`,
    fix: locations.length
      ? `use one of: ${locations.map((l) => l.id).join(', ')}`
      : "declare the tenant's locations in the config's top-level `locations`",
  });
}

/** A SKU as the ledger keys it: 1 to 200 characters, none of them control characters, no spaces around. */
export function checkSku(raw: string): string {
  const sku = raw.trim();
  if (!sku || sku.length > 200 || /\p{Cc}/u.test(sku)) {
    throw invalid(
      `SKU "${shown(sku)}" is not one the ledger can keep`,
      'give 1 to 200 characters, without control characters',
    );
  }
  return sku;
}

/** What a quantity of each kind must be, in words; undefined when `quantity` is one. */
export function quantityProblem(kind: ManualKind, quantity: number): string | undefined {
  if (!Number.isSafeInteger(quantity) || Math.abs(quantity) > QUANTITY_MAX)
    return `quantity ${quantity} is not a whole number of at most ${QUANTITY_MAX} units`;
  if ((kind === 'receipt' || kind === 'return') && quantity <= 0)
    return `a ${kind} is of 1 unit or more (got ${quantity})`;
  if (kind === 'adjustment' && quantity === 0) return 'an adjustment of 0 changes nothing';
  if ((kind === 'count' || kind === 'safety') && quantity < 0)
    return `a ${kind === 'count' ? 'count' : 'safety stock'} is 0 or more units (got ${quantity})`;
  return undefined;
}

/** The tenant's balances by SKU and location, a page at a time. */
export async function stockLevels(ctx: OperatorContext, filter: LevelFilter = {}) {
  return listLevels(ctx.hub.sql as Sql, ctx.by.tenantId, filter);
}

export interface MovementFilter {
  sku?: string | undefined;
  locationId?: string | undefined;
  /** Movements an order caused (its reservations, releases, shipments). */
  orderId?: string | undefined;
  limit?: number | undefined;
  cursor?: string | null | undefined;
}

/** The movements behind the figures, newest first. */
export async function stockMovements(ctx: OperatorContext, filter: MovementFilter = {}) {
  return listMovements(ctx.hub.sql as Sql, ctx.by.tenantId, {
    ...(filter.sku ? { sku: filter.sku } : {}),
    ...(filter.locationId ? { locationId: filter.locationId } : {}),
    ...(filter.orderId ? { sourceRef: filter.orderId } : {}),
    limit: Math.min(filter.limit ?? 50, STOCK_PAGE_MAX),
    cursor: filter.cursor ?? null,
  });
}

function skuNotFound(ctx: OperatorContext, sku: string): HubError {
  return new HubError({
    type: 'sku-not-found',
    title: 'No such SKU',
    status: 404,
    detail: `tenant ${ctx.by.tenantId} holds no stock of SKU "${shown(sku)}" and has no movement of it`,
    fix: 'record a receipt or a count of it first (POST /api/v1/inventory/movements), or list the SKUs held: GET /api/v1/inventory/levels',
  });
}

/** One SKU: its balance at each location, the totals, and its latest movements (newest first). */
export async function skuDetail(
  ctx: OperatorContext,
  sku: string,
  page: { limit?: number; cursor?: string | null; locationId?: string } = {},
) {
  const stock = await skuStock(ctx.hub.sql as Sql, ctx.by.tenantId, sku);
  const movements = await stockMovements(ctx, {
    sku,
    ...(page.locationId ? { locationId: page.locationId } : {}),
    limit: page.limit ?? 50,
    cursor: page.cursor ?? null,
  });
  if (!stock.levels.length && !movements.items.length && !page.cursor) throw skuNotFound(ctx, sku);
  return { ...stock, movements: movements.items, next: movements.next };
}

export interface ManualMovement {
  sku: string;
  locationId: string;
  kind: ManualKind;
  quantity: number;
  reason?: string | undefined;
  /** Recorded twice under one key, a movement counts once (a retried request, a double click). */
  idempotencyKey: string;
}

export interface RecordedMovement {
  /** False when the key was recorded before: nothing changed, `movement` is the earlier one. */
  applied: boolean;
  movement: Movement;
  level: Level;
}

/** The key a caller gives, in a space of its own: never one of the workflow's reservation keys. */
const manualKey = (key: string) => `manual:${key}`;

/** Checks a hand-made movement's fields; a 400 naming the first that is wrong. */
export function checkMovement(ctx: OperatorContext, input: ManualMovement): ManualMovement {
  if (!MANUAL_KINDS.includes(input.kind))
    throw invalid(
      `kind "${String(input.kind)}" is not one an operator records`,
      `use ${MANUAL_KINDS.join(', ')}`,
    );
  const sku = checkSku(input.sku);
  knownLocation(ctx, input.locationId);
  const problem = quantityProblem(input.kind, input.quantity);
  if (problem) throw invalid(problem, 'give a whole number of units as the kind needs it');
  const reason = input.reason?.trim() || undefined;
  if (input.kind === 'adjustment' && !reason)
    throw invalid(
      'an adjustment needs its reason',
      'say why the shelf differs (damaged, found, stolen, ...)',
    );
  if (reason && (reason.length > 500 || /\p{Cc}/u.test(reason)))
    throw invalid('the reason is over 500 characters or holds control characters', 'shorten the reason');
  const key = input.idempotencyKey.trim();
  if (!key || key.length > 200 || /\p{Cc}/u.test(key))
    throw invalid('the idempotency key must be 1 to 200 characters', 'send a fresh unique key per movement');
  return { ...input, sku, reason, idempotencyKey: key };
}

/** The movement recorded under a key, as the ledger's lists show it. */
async function movementOfKey(sql: Sql, tenantId: string, key: string): Promise<Movement | undefined> {
  const [row] = await sql<(Omit<Movement, 'at'> & { at: Date })[]>`
    select id::text as id, sku, location_id as "locationId", kind, quantity::float8 as quantity,
           on_hand_change::float8 as "onHandChange", reserved_change::float8 as "reservedChange",
           on_hand_after::float8 as "onHandAfter", reserved_after::float8 as "reservedAfter",
           reason, source_ref as "sourceRef", actor, created_at as at
    from stock_movements where tenant_id = ${tenantId} and idempotency_key = ${key}`;
  return row ? { ...row, at: row.at.toISOString() } : undefined;
}

/**
 * Records one movement by hand (operator): applied to its balance and audited in one transaction. The same key
 * again changes nothing and answers the earlier movement; the same key for a different movement is a 409.
 */
export async function recordMovement(ctx: OperatorContext, raw: ManualMovement): Promise<RecordedMovement> {
  requireRole(ctx, 'operator', `recording a stock ${raw.kind}`);
  const input = checkMovement(ctx, raw);
  const tenantId = ctx.by.tenantId;
  const key = manualKey(input.idempotencyKey);
  const applied = await ctx.hub.sql.begin(async (tx) => {
    const done = await applyMovement(tx, {
      tenantId,
      sku: input.sku,
      locationId: input.locationId,
      kind: input.kind as MovementKind,
      quantity: input.quantity,
      reason: input.reason,
      actor: ctx.by.actor,
      idempotencyKey: key,
    });
    if (done) {
      await recordAudit(tx, ctx.by, {
        action: `stock.${input.kind}`,
        targetType: 'sku',
        targetId: input.sku,
        after: {
          locationId: input.locationId,
          kind: input.kind,
          quantity: input.quantity,
          reason: input.reason ?? null,
        },
        requestId: ctx.requestId,
      });
    }
    return done;
  });
  const movement = await movementOfKey(ctx.hub.sql as Sql, tenantId, key);
  if (!movement) throw new Error(`the movement under key ${key} was not stored`);
  if (
    !applied &&
    (movement.sku !== input.sku ||
      movement.locationId !== input.locationId ||
      movement.kind !== input.kind ||
      movement.quantity !== input.quantity)
  ) {
    throw new HubError({
      type: 'idempotency-key-reused',
      title: 'Idempotency key used for another movement',
      status: 409,
      detail: `key "${shown(input.idempotencyKey)}" was used for a ${movement.kind} of ${movement.quantity} × ${movement.sku} at ${movement.locationId}`,
      fix: 'send a new key for a new movement; the same key only to retry the same one',
    });
  }
  const level = (await skuStock(ctx.hub.sql as Sql, tenantId, movement.sku)).levels.find(
    (l) => l.locationId === movement.locationId,
  );
  return { applied, movement, level: level! };
}
