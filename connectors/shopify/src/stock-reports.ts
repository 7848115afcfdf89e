import { bodyText, type StockReport, type StoredPayload } from '@switchyard/core';
import { parseExact } from './json.ts';

/**
 * Shopify's stock webhook: an inventory level's `available` changed, in the admin, by another app, by a sale,
 * or by the hub's own push. Its body is the level: `{ inventory_item_id, location_id, available, updated_at,
 * admin_graphql_api_id }`.
 */
export const STOCK_TOPIC = 'inventory_levels/update';

/** An inventory_levels/update body as the hub reads it: the ids exact, as strings. */
export interface InventoryLevel {
  /** The inventory item's number (what pushStock answers as `channelItem`). */
  item: string;
  /** The location's number (what the connection's stock mapping names). */
  location: string;
  /** Null when the item stopped being tracked: Shopify then keeps no figure. */
  available: number | null;
  /** When the level changed, in UTC. */
  at?: string;
}

/** A Shopify id parsed exactly: a number JS holds exactly, or the decimal string parseExact keeps for longer ones. */
function exactId(value: unknown): string | undefined {
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  return undefined;
}

/** The item named in the level's gid (`gid://shopify/InventoryLevel/1?inventory_item_id=2`), a string no tool can round. */
const itemOfGid = (gid: unknown) =>
  typeof gid === 'string' ? (/[?&]inventory_item_id=(\d+)/.exec(gid)?.[1] ?? undefined) : undefined;

/**
 * Reads an inventory_levels/update body. Ids beyond 2^53 come out exact: the body is parsed losslessly, never
 * through a JS number. Throws, saying what is wrong, on a body that is not an inventory level.
 */
export function readInventoryLevel(payload: StoredPayload): InventoryLevel {
  let json: unknown;
  try {
    json = parseExact(bodyText(payload.body));
  } catch (error) {
    throw new Error(`body is not valid JSON (${(error as Error).message})`);
  }
  const body = (json ?? {}) as Record<string, unknown>;
  const item = exactId(body.inventory_item_id) ?? itemOfGid(body.admin_graphql_api_id);
  const location = exactId(body.location_id);
  const { available } = body;
  const problems = [
    item ? '' : 'inventory_item_id is not an id',
    location ? '' : 'location_id is not an id',
    available === null || (typeof available === 'number' && Number.isInteger(available))
      ? ''
      : 'available is neither a whole number nor null',
  ].filter(Boolean);
  if (problems.length) {
    throw new Error(`body is not a Shopify inventory level: ${problems.join('; ')}`);
  }
  const at = typeof body.updated_at === 'string' ? new Date(body.updated_at) : undefined;
  return {
    item: item!,
    location: location!,
    available: available as number | null,
    ...(at && !Number.isNaN(at.getTime()) ? { at: at.toISOString() } : {}),
  };
}

/**
 * What `normalize` answers for an inventory_levels/update: no order, and why. Throws on a malformed body, so it
 * becomes an exception (the stock sync is offered ignored payloads only).
 */
export function stockIgnored(payload: StoredPayload): string {
  const level = readInventoryLevel(payload);
  return level.available === null
    ? `${STOCK_TOPIC}: inventory item ${level.item} is no longer tracked at location ${level.location}; no figure to apply`
    : `${STOCK_TOPIC}: a stock level, applied by the stock sync`;
}

/**
 * The figure an inventory_levels/update reports (ConnectorDefinition.stockReports): the item and location as
 * plain numbers, `available`, and when. Undefined for any other payload, for an item no longer tracked
 * (`available: null`), and for a body that is not a level (normalize made that one an exception).
 */
export function stockReports(payload: StoredPayload): StockReport[] | undefined {
  if (payload.headers['x-shopify-topic'] !== STOCK_TOPIC) return undefined;
  let level: InventoryLevel;
  try {
    level = readInventoryLevel(payload);
  } catch {
    return undefined;
  }
  if (level.available === null) return undefined;
  return [
    {
      channelItem: level.item,
      location: level.location,
      available: level.available,
      ...(level.at ? { at: level.at } : {}),
    },
  ];
}
