import { type ActionContext, type StockFigure, type StockPushResult, VendorError } from '@switchyard/core';
import { wooClient } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = ActionContext<Settings, Secrets>;
type Shop = ReturnType<typeof wooClient>;

/** How long a SKU's product (or variation) is remembered: a SKU moved to another product is seen after this at most. */
export const PRODUCT_TTL_MS = 10 * 60_000;

/** Past this many remembered SKUs, the expired ones are dropped before another is added. */
const SWEEP_AT = 10_000;

/** A product or variation as the REST API answers it: the fields a stock figure needs. */
interface WooStockItem {
  id: number;
  /** The variable product of a variation (`type: "variation"`); 0 for a product. */
  parent_id: number;
  type: string;
  sku: string;
  /** `parent` on a variation whose stock its product manages. */
  manage_stock: boolean | 'parent';
  stock_quantity: number | null;
}

/** Where a SKU's stock is written: a product, or a variation under its product. */
interface Place {
  productId: number;
  variationId?: number;
}

const remembered = new Map<string, Place & { until: number }>();

const cacheKey = (context: Context, sku: string) =>
  `${context.tenantId}\u0000${context.connectionId}\u0000${context.settings.siteUrl}\u0000${sku}`;

/** Variations have an endpoint of their own: `PUT products/{variation}` is refused. */
const pathOf = (place: Place) =>
  place.variationId
    ? `products/${place.productId}/variations/${place.variationId}`
    : `products/${place.productId}`;

const placeOf = (item: WooStockItem): Place =>
  item.type === 'variation' ? { productId: item.parent_id, variationId: item.id } : { productId: item.id };

type Found = { place: Place; item: WooStockItem } | { unknown: true } | { shared: number };

/**
 * `GET products?sku=` answers products and variations alike (a variation with `type: "variation"` and its
 * product in `parent_id`). WooCommerce splits the value at commas (and matches the whole value too), so the
 * answer is filtered to the exact SKU here.
 */
async function findBySku(api: Shop, context: Context, sku: string): Promise<Found> {
  const items = await api.json<WooStockItem[]>('GET', 'products', {
    query: { sku, per_page: 20 },
    signal: context.signal,
    what: `product with SKU ${sku}`,
  });
  const exact = items.filter((p) => p.sku === sku);
  if (exact.length > 1) return { shared: exact.length };
  return exact[0] ? { place: placeOf(exact[0]), item: exact[0] } : { unknown: true };
}

/**
 * The SKU's product or variation as it is now. A remembered one is read by its id; when it is gone or carries
 * another SKU now, the SKU is looked up again. A SKU the shop does not have is asked again on every push.
 */
async function stockItem(api: Shop, context: Context, sku: string): Promise<Found> {
  const key = cacheKey(context, sku);
  const now = context.now().getTime();
  const known = remembered.get(key);
  if (known && known.until > now) {
    try {
      const item = await api.json<WooStockItem>('GET', pathOf(known), {
        signal: context.signal,
        what: `product with SKU ${sku}`,
      });
      if (item.sku === sku) return { place: known, item };
    } catch (error) {
      if (!(error instanceof VendorError && error.status === 404)) throw error;
    }
  }
  remembered.delete(key);
  const found = await findBySku(api, context, sku);
  if ('place' in found) {
    if (remembered.size >= SWEEP_AT) {
      for (const [k, v] of remembered) if (v.until <= now) remembered.delete(k);
    }
    remembered.set(key, { ...found.place, until: now + PRODUCT_TTL_MS });
  }
  return found;
}

/**
 * Sets each SKU's stock (`inventory.push`): `manage_stock: true` and `stock_quantity` on the product, or on the
 * variation through its own endpoint. A variation whose stock its product manages (`manage_stock: "parent"`)
 * has only `stock_quantity` set, on the product (`PUT products/{parent_id}`): manage_stock is left as the
 * merchant set it. WooCommerce has one figure per product (a figure's location is not used), no
 * compare-and-set and no idempotency key: an absolute set repeated is harmless. The quantity shown is read
 * first: it is reported as `previous`, and a figure already shown is not written. One call per SKU.
 */
export async function pushStock(
  context: Context,
  { figures }: { figures: StockFigure[] },
): Promise<StockPushResult[]> {
  const api = wooClient(context);
  // The same SKU twice: the later figure wins, both report it.
  const wanted = new Map(figures.map((f) => [f.sku, f.quantity]));
  const done = new Map<string, Omit<StockPushResult, 'sku' | 'location'>>();
  const problems: string[] = [];
  for (const [sku, quantity] of wanted) {
    const found = await stockItem(api, context, sku);
    if ('unknown' in found) {
      done.set(sku, { status: 'unknown-sku' });
      continue;
    }
    if ('shared' in found) {
      problems.push(`SKU ${sku} is on ${found.shared} products`);
      continue;
    }
    const { place, item } = found;
    if (item.manage_stock === 'parent') {
      // The variation's stock is its product's (the merchant set it so): the figure is set on the product,
      // which already manages stock, and the variation is left as it was. WooCommerce shows the product's
      // quantity on the variation, so that is what is compared and reported. Variations sharing a product's
      // stock share one figure: the last pushed is the one shown.
      if (item.stock_quantity !== quantity) {
        await api.json('PUT', `products/${item.parent_id}`, {
          json: { stock_quantity: quantity },
          signal: context.signal,
          what: `stock of SKU ${sku} (kept by its product ${item.parent_id})`,
        });
      }
    } else if (item.manage_stock !== true || item.stock_quantity !== quantity) {
      await api.json('PUT', pathOf(place), {
        json: { manage_stock: true, stock_quantity: quantity },
        signal: context.signal,
        what: `stock of SKU ${sku}`,
      });
    }
    done.set(sku, {
      status: 'set',
      ...(typeof item.stock_quantity === 'number' ? { previous: item.stock_quantity } : {}),
      channelItem: String(place.variationId ?? place.productId),
    });
  }
  if (problems.length) {
    throw new Error(
      `WooCommerce took the other stock figures but not these: ${problems.join('; ')}. Give each product a SKU of its own`,
    );
  }
  return figures.map((f) => ({
    sku: f.sku,
    ...(f.location ? { location: f.location } : {}),
    ...done.get(f.sku)!,
  }));
}
