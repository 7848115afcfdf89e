import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import type { Db } from './orders.ts';

/**
 * The inventory ledger's one way of changing a balance: a movement, appended with its effect and the balance it
 * left, in the caller's transaction, under an idempotency key (recorded twice, it counts once). Every other
 * module (counts, receipts, reservations, shipments) goes through `applyMovement`.
 */

export type MovementKind =
  | 'receipt'
  | 'adjustment'
  | 'reservation'
  | 'release'
  | 'shipment'
  | 'return'
  | 'count'
  | 'safety';

export interface Level {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  safetyStock: number;
  /** on hand − reserved − safety stock: what may still be promised (negative after a count found less). */
  available: number;
  updatedAt: string;
}

export interface Movement {
  id: string;
  sku: string;
  locationId: string;
  kind: MovementKind;
  quantity: number;
  onHandChange: number;
  reservedChange: number;
  onHandAfter: number;
  reservedAfter: number;
  reason: string | null;
  sourceRef: string | null;
  actor: string | null;
  at: string;
}

export interface MovementInput {
  tenantId: string;
  sku: string;
  locationId: string;
  kind: MovementKind;
  /** What the movement says: the count's figure, the adjustment's signed change, the units moved. */
  quantity: number;
  /** The balance's change, when the kind does not fix it (reservation, release, shipment: computed by the caller). */
  change?: { onHand: number; reserved: number };
  reason?: string | undefined;
  sourceRef?: string | undefined;
  actor?: string | undefined;
  idempotencyKey: string;
}

interface LevelRow {
  on_hand: string;
  reserved: string;
  safety_stock: string;
}

/** A refusal of a movement that would break the ledger, in words (a 409 at the API, a one-line CLI error). */
export function stockRefusal(detail: string, fix: string) {
  return new HubError({ type: 'stock-refused', title: 'Stock movement refused', status: 409, detail, fix });
}

/** The effect on (on hand, reserved, safety) of a movement whose kind fixes it. */
function effectOf(input: MovementInput, level: { onHand: number; safety: number }) {
  if (input.change) return { onHand: input.change.onHand, reserved: input.change.reserved, safety: 0 };
  const q = input.quantity;
  switch (input.kind) {
    case 'receipt':
    case 'return':
      if (q <= 0) throw stockRefusal(`a ${input.kind} of ${q} units`, `give a positive quantity`);
      return { onHand: q, reserved: 0, safety: 0 };
    case 'adjustment':
      return { onHand: q, reserved: 0, safety: 0 };
    case 'count':
      if (q < 0) throw stockRefusal(`a count of ${q} units`, 'a count is the units on the shelf: 0 or more');
      return { onHand: q - level.onHand, reserved: 0, safety: 0 };
    case 'safety':
      if (q < 0) throw stockRefusal(`a safety stock of ${q} units`, 'give 0 or more units to hold back');
      return { onHand: 0, reserved: 0, safety: q - level.safety };
    default:
      throw new Error(`a ${input.kind} movement needs its change`);
  }
}

/**
 * Appends one movement and applies it to its balance, in the caller's transaction; the balance row is locked
 * first (rows locked in (sku, location) order by callers that move several, so two never wait on each other).
 * Returns false when the idempotency key was recorded before (nothing changes).
 */
export async function applyMovement(tx: Db, input: MovementInput): Promise<boolean> {
  const { tenantId, sku, locationId } = input;
  // Recorded before (a retry, a file loaded again): nothing to check or change, whatever the balance is now.
  const [seen] = await tx`
    select 1 from stock_movements where tenant_id = ${tenantId} and idempotency_key = ${input.idempotencyKey}`;
  if (seen) return false;
  await tx`
    insert into stock_levels (tenant_id, sku, location_id) values (${tenantId}, ${sku}, ${locationId})
    on conflict do nothing`;
  const [row] = await tx<LevelRow[]>`
    select on_hand, reserved, safety_stock from stock_levels
    where tenant_id = ${tenantId} and sku = ${sku} and location_id = ${locationId} for update`;
  const level = {
    onHand: Number(row!.on_hand),
    reserved: Number(row!.reserved),
    safety: Number(row!.safety_stock),
  };
  const effect = effectOf(input, level);
  const onHand = level.onHand + effect.onHand;
  const reserved = level.reserved + effect.reserved;
  if (onHand < 0) {
    throw stockRefusal(
      `${sku} at ${locationId}: ${level.onHand} on hand, the ${input.kind} of ${input.quantity} would leave ${onHand}`,
      'count the shelf and record the count instead, or adjust by at most what is on hand',
    );
  }
  if (reserved < 0)
    throw new Error(`${sku} at ${locationId}: releasing more than is reserved (${level.reserved})`);
  const [inserted] = await tx<{ id: string }[]>`
    insert into stock_movements (tenant_id, sku, location_id, kind, quantity, on_hand_change, reserved_change,
                                 on_hand_after, reserved_after, reason, source_ref, actor, idempotency_key)
    values (${tenantId}, ${sku}, ${locationId}, ${input.kind}, ${input.quantity}, ${effect.onHand},
            ${effect.reserved}, ${onHand}, ${reserved}, ${input.reason ?? null}, ${input.sourceRef ?? null},
            ${input.actor ?? null}, ${input.idempotencyKey})
    on conflict (tenant_id, idempotency_key) do nothing
    returning id`;
  if (!inserted) return false;
  await tx`
    update stock_levels set on_hand = ${onHand}, reserved = ${reserved},
      safety_stock = safety_stock + ${effect.safety}, updated_at = now()
    where tenant_id = ${tenantId} and sku = ${sku} and location_id = ${locationId}`;
  if (effect.onHand !== 0 || effect.reserved !== 0 || effect.safety !== 0)
    await markChanged(tx, tenantId, [sku]);
  return true;
}

/**
 * The SKUs' figures on the channels are due: a row appended per SKU (stock_change_log), never an update, so a
 * writer waits on no other writer here, and the pusher coalesces the rows per SKU.
 */
export async function markChanged(tx: Db, tenantId: string, skus: readonly string[]): Promise<void> {
  if (!skus.length) return;
  await tx`
    insert into stock_change_log (tenant_id, sku)
    select ${tenantId}, s from unnest(${tx.array([...new Set(skus)])}::text[]) s`;
}

/**
 * The order balances are locked in, the same in JavaScript and in SQL (`collate "C"`): by code unit, so that
 * two transactions locking some of the same rows never wait on each other in a circle (a locale's order would
 * put "a" and "B" the other way round from the server's byte order).
 */
export const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Several movements in one transaction (a CSV of counts), locked in (sku, location) order; the number applied. */
export async function applyMovements(sql: Sql, inputs: readonly MovementInput[]): Promise<number> {
  const ordered = [...inputs].sort(
    (a, b) => byCodeUnits(a.sku, b.sku) || byCodeUnits(a.locationId, b.locationId),
  );
  return sql.begin(async (tx) => {
    let applied = 0;
    for (const input of ordered) if (await applyMovement(tx, input)) applied++;
    return applied;
  }) as Promise<number>;
}

/**
 * Where the balances and the movements disagree: each (sku, location) whose stored on hand or reserved is not
 * the sum of its movements' changes. Empty when the ledger is whole.
 */
export async function checkLedger(sql: Sql, tenantId: string) {
  const rows = await sql<
    {
      sku: string;
      location_id: string;
      on_hand: string;
      reserved: string;
      m_on_hand: string;
      m_reserved: string;
    }[]
  >`
    select l.sku, l.location_id, l.on_hand, l.reserved,
           coalesce(m.on_hand, 0) as m_on_hand, coalesce(m.reserved, 0) as m_reserved
    from stock_levels l
    left join (select sku, location_id, sum(on_hand_change) as on_hand, sum(reserved_change) as reserved
               from stock_movements where tenant_id = ${tenantId} group by sku, location_id) m
      on m.sku = l.sku and m.location_id = l.location_id
    where l.tenant_id = ${tenantId}
      and (l.on_hand <> coalesce(m.on_hand, 0) or l.reserved <> coalesce(m.reserved, 0))`;
  return rows.map((r) => ({
    sku: r.sku,
    locationId: r.location_id,
    stored: { onHand: Number(r.on_hand), reserved: Number(r.reserved) },
    fromMovements: { onHand: Number(r.m_on_hand), reserved: Number(r.m_reserved) },
  }));
}
