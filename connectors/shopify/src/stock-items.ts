import type { ActionContext } from '@switchyard/core';
import { graphql } from './action-call.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = ActionContext<Settings, Secrets>;

/** What pushing stock needs of the token, in the words of a missing or refused one. */
export const STOCK_SCOPES = 'read_inventory, write_inventory and read_products';

/** How long a SKU's inventory item is remembered: a SKU moved to another variant is seen after this at most. */
export const ITEM_TTL_MS = 10 * 60_000;

// Shopify's `sku:` filter matches the search terms of a SKU, not the whole value: the variants are compared
// with the SKU exactly here, and more than one exact match means two variants share it. A short SKU that many
// others contain ("AB" in "AB-1", "XAB"…) may have its exact match beyond the first page, so a full page
// without one is followed by the next, up to SKU_PAGES pages (200 variants) before the SKU is unknown. By
// Shopify's cost rules a page requests about 100 points (2 + 50 × 2: a variant and its inventory item are an
// object each), a tenth of the 1,000-point limit of one query; what is charged is what comes back, a few points
// for a SKU few others contain.
const SKU_PAGE = 50;
const SKU_PAGES = 4;
const VARIANTS_BY_SKU = `query SwitchyardVariantsBySku($query: String!, $first: Int!, $after: String) {
  productVariants(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor } nodes { id sku inventoryItem { id } }
  }
}`;

type VariantsPage = {
  productVariants: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { id: string; sku: string | null; inventoryItem: { id: string } | null }[];
  };
};

/** A SKU on the shop: its inventory item (a gid), no variant with it, or several variants sharing it. */
export type SkuItem = { item: string } | { unknown: true } | { shared: number };

/** Inventory items by connection and SKU, with the time each stops being trusted. */
const remembered = new Map<string, { item: string; until: number }>();

/** Past this many remembered SKUs, the expired ones are dropped before another is added. */
const SWEEP_AT = 10_000;

const cacheKey = (context: Context, sku: string) =>
  `${context.tenantId}\u0000${context.connectionId}\u0000${context.settings.shop}\u0000${sku}`;

/** A SKU as a value of Shopify's search syntax: quoted, with quotes and backslashes escaped. */
export const skuSearch = (sku: string) => `sku:"${sku.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * The inventory item of the variant sold under `sku`, from memory when asked within ITEM_TTL_MS. A SKU the shop
 * does not have is asked again on every push (it may be added in the admin at any time).
 */
export async function skuItem(context: Context, sku: string): Promise<SkuItem> {
  const key = cacheKey(context, sku);
  const now = context.now().getTime();
  const known = remembered.get(key);
  if (known && known.until > now) return { item: known.item };
  let exact: VariantsPage['productVariants']['nodes'] = [];
  let after: string | null = null;
  for (let page = 0; page < SKU_PAGES; page++) {
    const data: VariantsPage = await graphql<VariantsPage>(
      context,
      `variant with SKU ${sku}`,
      VARIANTS_BY_SKU,
      { query: skuSearch(sku), first: SKU_PAGE, after },
      { scopes: STOCK_SCOPES },
    );
    const { nodes, pageInfo } = data.productVariants;
    exact = exact.concat(nodes.filter((v) => v.sku === sku && v.inventoryItem));
    // An exact match ends the search: a variant sharing its SKU is seen when on the same page, not beyond it.
    if (exact.length || !pageInfo.hasNextPage || !pageInfo.endCursor) break;
    after = pageInfo.endCursor;
  }
  if (exact.length > 1) return { shared: exact.length };
  const item = exact[0]?.inventoryItem?.id;
  if (!item) {
    remembered.delete(key);
    return { unknown: true };
  }
  if (remembered.size >= SWEEP_AT) {
    for (const [k, v] of remembered) if (v.until <= now) remembered.delete(k);
  }
  remembered.set(key, { item, until: now + ITEM_TTL_MS });
  return { item };
}

/** Forgets a SKU's inventory item (Shopify no longer has it: the variant was deleted). */
export function forgetSkuItem(context: Context, sku: string) {
  remembered.delete(cacheKey(context, sku));
}
