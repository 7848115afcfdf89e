import { createHash } from 'node:crypto';
import {
  type ActionContext,
  actionReference,
  type StockFigure,
  type StockPushResult,
} from '@switchyard/core';
import { gid, graphql, type UserErrors, userErrors } from './action-call.ts';
import { gidNumber } from './json.ts';
import type { Secrets, Settings } from './settings.ts';
import { forgetSkuItem, STOCK_SCOPES, skuItem } from './stock-items.ts';

type Context = ActionContext<Settings, Secrets>;

// Each inventory item read costs a few points: a hundred stays well under the 1,000-point limit of one query,
// though inventorySetQuantities itself would take 250 quantities.
const BATCH = 100;

/** Reads and writes of one batch before giving up when its figures keep changing in between. */
const ATTEMPTS = 5;

const LEVELS = `query SwitchyardStockLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem { id inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } } }
  }
}`;

const SET = `mutation SwitchyardStockSet($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id } userErrors { field message code }
  }
}`;

/** One inventory item to set at a location, and the figures (by index) that asked for it. */
interface Entry {
  sku: string;
  item: string;
  quantity: number;
  figures: number[];
}

/** `available` of each item at the location; null where the item is not stocked there; absent: no such item. */
type Levels = Map<string, number | null>;

async function readLevels(context: Context, location: string, items: string[]): Promise<Levels> {
  const data = await graphql<{
    nodes: ({ inventoryLevel: { quantities: { name: string; quantity: number }[] } | null } | null)[];
  }>(
    context,
    `stock levels at location ${gidNumber(location)}`,
    LEVELS,
    { ids: items, locationId: location },
    { scopes: STOCK_SCOPES },
  );
  const levels: Levels = new Map();
  data.nodes.forEach((node, i) => {
    if (!node) return;
    const available = node.inventoryLevel?.quantities.find((q) => q.name === 'available');
    levels.set(items[i]!, node.inventoryLevel ? (available?.quantity ?? 0) : null);
  });
  return levels;
}

/**
 * Shopify's idempotency key for one compare-and-set: the step's key, the location, the attempt and a digest of
 * exactly what is set from what. A retried step that reads the same figures sends the same key (Shopify answers
 * the first call's result); a re-read after a stale answer is another operation, with another key. At most 255
 * characters: a long step key is hashed.
 */
export function stockKey(
  idempotencyKey: string,
  location: string,
  attempt: number,
  quantities: object[],
): string {
  const base =
    idempotencyKey.length <= 160 ? idempotencyKey : createHash('sha256').update(idempotencyKey).digest('hex');
  const digest = createHash('sha256').update(JSON.stringify(quantities)).digest('hex').slice(0, 16);
  return `${base}:stock:${gidNumber(location) ?? location}:${attempt}:${digest}`;
}

/** Sets the changed figures from what was read; 'stale' when one changed since (nothing was set then). */
async function setQuantities(
  context: Context,
  location: string,
  changes: Entry[],
  levels: Levels,
  attempt: number,
): Promise<'set' | 'stale'> {
  const quantities = changes.map((e) => ({
    inventoryItemId: e.item,
    locationId: location,
    quantity: e.quantity,
    changeFromQuantity: levels.get(e.item)!,
  }));
  const result = await graphql<{
    inventorySetQuantities: { inventoryAdjustmentGroup: { id: string } | null; userErrors: UserErrors };
  }>(
    context,
    `stock at location ${gidNumber(location)}`,
    SET,
    {
      key: stockKey(context.idempotencyKey, location, attempt, quantities),
      input: {
        name: 'available',
        reason: 'correction',
        referenceDocumentUri: `switchyard://stock/${actionReference(context.idempotencyKey)}`,
        quantities,
      },
    },
    // Idempotent under Shopify's key: the client may repeat it after a lost answer.
    { scopes: STOCK_SCOPES },
  );
  const errors = result.inventorySetQuantities.userErrors;
  if (errors.some((e) => e.code === 'CHANGE_FROM_QUANTITY_STALE')) return 'stale';
  userErrors(
    `the stock of SKU ${changes.map((e) => e.sku).join(', ')} at location ${gidNumber(location)}`,
    errors,
  );
  return 'set';
}

/** What became of the figures of one location's batch, reported back to pushStock. */
interface Outcome {
  set(entry: Entry, previous: number): void;
  unknown(entry: Entry): void;
  notStocked(entry: Entry): void;
  problem(text: string): void;
}

/**
 * Sets one batch of a location: read `available`, set what differs with the read value as changeFromQuantity,
 * and on CHANGE_FROM_QUANTITY_STALE read again and set again, up to ATTEMPTS times.
 */
async function setAtLocation(context: Context, location: string, batch: Entry[], outcome: Outcome) {
  let pending = batch;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const levels = await readLevels(
      context,
      location,
      pending.map((e) => e.item),
    );
    // An item Shopify no longer has (its variant deleted since the SKU was remembered): the SKU is looked up
    // again, and a variant that has it now joins the next round.
    const again: Entry[] = [];
    for (const entry of pending.filter((e) => !levels.has(e.item))) {
      forgetSkuItem(context, entry.sku);
      const found = await skuItem(context, entry.sku);
      if ('unknown' in found) outcome.unknown(entry);
      else if ('shared' in found) outcome.problem(`SKU ${entry.sku} is on ${found.shared} variants`);
      else if (found.item === entry.item)
        outcome.problem(`SKU ${entry.sku}'s inventory item ${gidNumber(entry.item)} cannot be read`);
      else again.push({ ...entry, item: found.item });
    }
    for (const entry of pending.filter((e) => levels.get(e.item) === null)) outcome.notStocked(entry);
    const readable = pending.filter((e) => typeof levels.get(e.item) === 'number');
    const changes = readable.filter((e) => levels.get(e.item) !== e.quantity);
    if (changes.length && (await setQuantities(context, location, changes, levels, attempt)) === 'stale') {
      pending = [...readable, ...again];
      continue;
    }
    for (const entry of readable) outcome.set(entry, levels.get(entry.item)!);
    if (!again.length) return;
    pending = again;
  }
  throw new Error(
    `Shopify's available stock of SKU ${pending.map((e) => e.sku).join(', ')} at location ${gidNumber(location)} changed between each read and write (${ATTEMPTS} tries): another app or staff is adjusting it; push again later`,
  );
}

/**
 * Sets the shop's `available` quantities (`inventory.push`) with compare-and-set: each figure's current value
 * is read, and inventorySetQuantities sets the figure only if the value is still that one (changeFromQuantity);
 * a value changed in between is read again and set again. Figures already shown are not written. A SKU no
 * variant has comes back `unknown-sku`, one whose item is not stocked at the figure's location `not-stocked`
 * (the hub never stocks an item at a new location). A SKU on several variants is named in an error thrown after
 * every other figure has been set.
 */
export async function pushStock(
  context: Context,
  { figures }: { figures: StockFigure[] },
): Promise<StockPushResult[]> {
  const unplaced = figures.filter((f) => !f.location).map((f) => f.sku);
  if (unplaced.length) {
    throw new Error(
      `Shopify keeps stock per location, and the figures for SKU ${unplaced.join(', ')} name none: map the connection's stock to a Shopify location id`,
    );
  }
  const results: StockPushResult[] = figures.map((f) => ({
    sku: f.sku,
    location: f.location!,
    status: 'set',
  }));
  const problems: string[] = [];
  const found = new Map<string, Awaited<ReturnType<typeof skuItem>>>();
  for (const sku of new Set(figures.map((f) => f.sku))) found.set(sku, await skuItem(context, sku));
  const byLocation = new Map<string, Map<string, Entry>>();
  figures.forEach((figure, index) => {
    const sku = found.get(figure.sku)!;
    if ('unknown' in sku) results[index]!.status = 'unknown-sku';
    else if ('shared' in sku) problems.push(`SKU ${figure.sku} is on ${sku.shared} variants`);
    else {
      const location = gid('Location', figure.location!);
      const entries = byLocation.get(location) ?? new Map<string, Entry>();
      byLocation.set(location, entries);
      // The same SKU twice at one location: the later figure wins, both report it.
      const entry = entries.get(sku.item) ?? { sku: figure.sku, item: sku.item, quantity: 0, figures: [] };
      entry.quantity = figure.quantity;
      entry.figures.push(index);
      entries.set(sku.item, entry);
    }
  });
  const outcome: Outcome = {
    set(entry, previous) {
      for (const i of entry.figures) {
        results[i] = {
          ...results[i]!,
          status: 'set',
          previous,
          channelItem: gidNumber(entry.item) ?? entry.item,
        };
      }
    },
    unknown(entry) {
      for (const i of entry.figures)
        results[i] = { sku: entry.sku, location: figures[i]!.location!, status: 'unknown-sku' };
    },
    notStocked(entry) {
      for (const i of entry.figures)
        results[i] = { sku: entry.sku, location: figures[i]!.location!, status: 'not-stocked' };
    },
    problem: (text) => problems.push(text),
  };
  for (const [location, entries] of byLocation) {
    const all = [...entries.values()];
    for (let i = 0; i < all.length; i += BATCH)
      await setAtLocation(context, location, all.slice(i, i + BATCH), outcome);
  }
  if (problems.length) {
    throw new Error(
      `Shopify took the other stock figures but not these: ${[...new Set(problems)].join('; ')}. Give each variant a SKU of its own in the Shopify admin`,
    );
  }
  return results;
}
