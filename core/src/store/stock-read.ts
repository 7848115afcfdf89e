import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import type { Level, Movement, MovementKind } from './stock-ledger.ts';

/**
 * What operators read of the ledger: balances by SKU and location, the movements behind a figure, and an
 * order's routing and shipments. Every read is one tenant's; lists page with a keyset cursor.
 */

export const STOCK_PAGE_DEFAULT = 50;
export const STOCK_PAGE_MAX = 500;

const cursorOf = (parts: readonly string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

/**
 * The parts of a cursor this list gave (`valid` checks each), or a 400 like the other lists' (orders,
 * exceptions, audit): a foreign or edited cursor is the caller's mistake, never a 500.
 */
function parseCursor(
  cursor: string | null | undefined,
  list: string,
  valid: readonly ((part: string) => boolean)[],
): string[] | undefined {
  if (!cursor) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {}
  const ok =
    Array.isArray(parts) &&
    parts.length === valid.length &&
    parts.every((p, i) => typeof p === 'string' && valid[i]!(p)) &&
    cursorOf(parts as string[]) === cursor;
  if (ok) return parts as string[];
  throw new HubError({
    type: 'invalid-cursor',
    title: 'Invalid cursor',
    status: 400,
    detail: `cursor "${cursor.slice(0, 40)}" is not one the ${list} list gave`,
    fix: "pass the previous page's next cursor as it was given, or none for the first page",
  });
}

const text = (p: string) => p.length > 0 && p.length <= 500;
const movementId = (p: string) => /^\d{1,19}$/.test(p);

interface LevelRow {
  sku: string;
  location_id: string;
  on_hand: string;
  reserved: string;
  safety_stock: string;
  updated_at: Date;
}

const toLevel = (r: LevelRow): Level => ({
  sku: r.sku,
  locationId: r.location_id,
  onHand: Number(r.on_hand),
  reserved: Number(r.reserved),
  safetyStock: Number(r.safety_stock),
  available: Number(r.on_hand) - Number(r.reserved) - Number(r.safety_stock),
  updatedAt: r.updated_at.toISOString(),
});

export interface LevelFilter {
  /** SKUs starting with this (case-sensitive). */
  sku?: string | undefined;
  locationId?: string | undefined;
  /** Only balances with nothing (or less) left to promise. */
  short?: boolean | undefined;
  limit?: number | undefined;
  cursor?: string | null | undefined;
}

/** A tenant's balances by (sku, location), in that order, a page at a time. */
export async function listLevels(sql: Sql, tenantId: string, filter: LevelFilter = {}) {
  const limit = Math.min(Math.max(filter.limit ?? STOCK_PAGE_DEFAULT, 1), STOCK_PAGE_MAX);
  const after = parseCursor(filter.cursor, 'stock levels', [text, text]);
  const rows = await sql<LevelRow[]>`
    select sku, location_id, on_hand, reserved, safety_stock, updated_at from stock_levels
    where tenant_id = ${tenantId}
      ${filter.sku ? sql`and sku like ${`${filter.sku.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : sql``}
      ${filter.locationId ? sql`and location_id = ${filter.locationId}` : sql``}
      ${filter.short ? sql`and on_hand - reserved - safety_stock <= 0` : sql``}
      ${after ? sql`and (sku, location_id) > (${after[0]!}, ${after[1]!})` : sql``}
    order by sku, location_id
    limit ${limit + 1}`;
  const items = rows.slice(0, limit).map(toLevel);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? cursorOf([last.sku, last.locationId]) : null };
}

/** One SKU's balances at every location, with its totals. */
export async function skuStock(sql: Sql, tenantId: string, sku: string) {
  const rows = await sql<LevelRow[]>`
    select sku, location_id, on_hand, reserved, safety_stock, updated_at from stock_levels
    where tenant_id = ${tenantId} and sku = ${sku} order by location_id`;
  const levels = rows.map(toLevel);
  const total = levels.reduce(
    (t, l) => ({
      onHand: t.onHand + l.onHand,
      reserved: t.reserved + l.reserved,
      available: t.available + Math.max(0, l.available),
    }),
    { onHand: 0, reserved: 0, available: 0 },
  );
  return { sku, levels, total };
}

interface MovementRow {
  id: string;
  sku: string;
  location_id: string;
  kind: MovementKind;
  quantity: string;
  on_hand_change: string;
  reserved_change: string;
  on_hand_after: string;
  reserved_after: string;
  reason: string | null;
  source_ref: string | null;
  actor: string | null;
  created_at: Date;
}

/** The movements behind figures, newest first: of one SKU (at one location), or one order's. */
export async function listMovements(
  sql: Sql,
  tenantId: string,
  filter: { sku?: string; locationId?: string; sourceRef?: string; limit?: number; cursor?: string | null },
) {
  const limit = Math.min(Math.max(filter.limit ?? STOCK_PAGE_DEFAULT, 1), STOCK_PAGE_MAX);
  const before = parseCursor(filter.cursor, 'stock movements', [movementId]);
  const rows = await sql<MovementRow[]>`
    select id, sku, location_id, kind, quantity, on_hand_change, reserved_change, on_hand_after, reserved_after,
           reason, source_ref, actor, created_at
    from stock_movements
    where tenant_id = ${tenantId}
      ${filter.sku ? sql`and sku = ${filter.sku}` : sql``}
      ${filter.locationId ? sql`and location_id = ${filter.locationId}` : sql``}
      ${filter.sourceRef ? sql`and source_ref = ${filter.sourceRef}` : sql``}
      ${before ? sql`and id < ${before[0]!}` : sql``}
    order by id desc
    limit ${limit + 1}`;
  const items: Movement[] = rows.slice(0, limit).map((r) => ({
    id: r.id,
    sku: r.sku,
    locationId: r.location_id,
    kind: r.kind,
    quantity: Number(r.quantity),
    onHandChange: Number(r.on_hand_change),
    reservedChange: Number(r.reserved_change),
    onHandAfter: Number(r.on_hand_after),
    reservedAfter: Number(r.reserved_after),
    reason: r.reason,
    sourceRef: r.source_ref,
    actor: r.actor,
    at: r.created_at.toISOString(),
  }));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? cursorOf([last.id]) : null };
}

export interface OrderRouting {
  decisions: { key: string; decision: unknown; at: string }[];
  shipments: {
    n: number;
    locationId: string;
    status: 'planned' | 'rated' | 'shipped' | 'cancelled';
    lines: { lineId: string; sku: string; quantity: number }[];
    /** Units still held for it (reserved, not shipped or released). */
    held: number;
  }[];
}

/** An order's routing decisions (oldest first) and its shipments as they stand, for one tenant. */
export async function orderRouting(sql: Sql, tenantId: string, orderId: string): Promise<OrderRouting> {
  const decisions = await sql<{ key: string; decision: unknown; created_at: Date }[]>`
    select key, decision, created_at from order_routings
    where tenant_id = ${tenantId} and order_id = ${orderId} order by created_at, key`;
  const shipments = await sql<
    {
      n: number;
      location_id: string;
      status: OrderRouting['shipments'][number]['status'];
      lines: OrderRouting['shipments'][number]['lines'];
      held: string;
    }[]
  >`
    select s.n, s.location_id, s.status, s.lines,
           coalesce((select sum(r.quantity - r.shipped - r.released) from stock_reservations r
                     where r.order_id = s.order_id and r.shipment_n = s.n), 0) as held
    from order_shipments s where s.tenant_id = ${tenantId} and s.order_id = ${orderId} order by s.n`;
  return {
    decisions: decisions.map((d) => ({ key: d.key, decision: d.decision, at: d.created_at.toISOString() })),
    shipments: shipments.map((s) => ({
      n: s.n,
      locationId: s.location_id,
      status: s.status,
      lines: s.lines,
      held: Number(s.held),
    })),
  };
}
