import { bodyText, type StockReport, type StoredPayload, zodMessage } from '@switchyard/core';
import { z } from 'zod';

/**
 * The product webhooks that carry a stock figure. WooCommerce sends product.updated (and product.created) for a
 * variation too: the topics hook `woocommerce_update_product_variation` (`woocommerce_new_product_variation`),
 * and the body is `GET products/{variation id}`, a variation with `type: "variation"` and its product in
 * `parent_id`, read here like any product.
 */
export const STOCK_TOPICS: readonly string[] = ['product.created', 'product.updated'];

/** A product or variation as the REST API v3 answers it (the webhook body): the fields a stock figure needs. */
const WooProduct = z.object({
  id: z.number().int(),
  type: z.string().nullish(),
  parent_id: z.number().int().nullish(),
  sku: z.string().nullish(),
  /** `parent` on a variation whose stock its product manages (the figure is the product's). */
  manage_stock: z.union([z.boolean(), z.literal('parent')]).nullish(),
  stock_quantity: z.number().int().nullish(),
  date_modified_gmt: z.string().nullish(),
});
type WooProduct = z.infer<typeof WooProduct>;

/** Reads a product webhook's body; throws, saying what is wrong, when it is not a product. */
function readProduct(payload: StoredPayload): WooProduct {
  let json: unknown;
  try {
    json = JSON.parse(bodyText(payload.body));
  } catch (error) {
    throw new Error(`body is not valid JSON (${(error as Error).message})`);
  }
  const parsed = WooProduct.safeParse(json);
  if (!parsed.success) throw new Error(`body is not a WooCommerce product: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

const what = (p: WooProduct) =>
  p.type === 'variation' ? `variation ${p.id} of product ${p.parent_id}` : `product ${p.id}`;

/** Why a product carries no figure for the hub, or undefined when it carries one. */
function noFigure(p: WooProduct): string | undefined {
  if (p.manage_stock === 'parent') return `${what(p)} shares its product's stock: no figure of its own`;
  if (p.manage_stock !== true) return `${what(p)} does not manage its stock: no figure to apply`;
  if (!p.sku?.trim()) return `${what(p)} has no SKU: its figure cannot be matched`;
  if (typeof p.stock_quantity !== 'number') return `${what(p)} shows no stock quantity: no figure to apply`;
  return undefined;
}

/**
 * What `normalize` answers for a product webhook: no order, and why. Throws on a body that is not a product, so
 * it becomes an exception (the stock sync is offered ignored payloads only).
 */
export function stockIgnored(payload: StoredPayload): string {
  const product = readProduct(payload);
  const topic = payload.headers['x-wc-webhook-topic'];
  return `${topic}: ${noFigure(product) ?? `the stock of SKU ${product.sku}, applied by the stock sync`}`;
}

/**
 * The figure a product.updated or product.created reports (ConnectorDefinition.stockReports): the SKU, its
 * `stock_quantity` and when it changed. WooCommerce has one figure per product, so no location. Undefined for
 * other payloads, for a product that does not manage its stock (or a variation that shares its product's), one
 * without a SKU, and a body that is not a product (normalize made that one an exception).
 */
export function stockReports(payload: StoredPayload): StockReport[] | undefined {
  if (!STOCK_TOPICS.includes(payload.headers['x-wc-webhook-topic'] ?? '')) return undefined;
  let product: WooProduct;
  try {
    product = readProduct(payload);
  } catch {
    return undefined;
  }
  if (noFigure(product)) return undefined;
  const modified = product.date_modified_gmt;
  return [
    {
      sku: product.sku!,
      available: product.stock_quantity!,
      // Woo's `_gmt` times are UTC without a zone suffix.
      ...(modified ? { at: /[zZ]|[+-]\d\d:?\d\d$/.test(modified) ? modified : `${modified}Z` } : {}),
    },
  ];
}
