import { type ActionContext, type StockFigure, type StockPushResult, VendorError } from '@switchyard/core';
import { type EbayApi, ebayApi } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

interface PriceQuantityResponse {
  sku?: string;
  statusCode?: number;
  errors?: { errorId?: number; message?: string; longMessage?: string }[];
}

/** eBay's ids for "no such SKU in the seller's inventory" (25702) and "no such resource" (25710). */
const UNKNOWN_SKU = new Set([25702, 25710]);

async function setQuantity(api: EbayApi, figure: StockFigure): Promise<StockPushResult> {
  const base = { sku: figure.sku, ...(figure.location ? { location: figure.location } : {}) };
  let answer: { responses?: PriceQuantityResponse[] } | undefined;
  try {
    answer = await api.json<{ responses?: PriceQuantityResponse[] }>('POST', 'bulk_update_price_quantity', {
      json: { requests: [{ sku: figure.sku, shipToLocationAvailability: { quantity: figure.quantity } }] },
      // An absolute quantity: setting it again sets the same figure.
      idempotent: true,
      what: `quantity of SKU ${figure.sku} (bulkUpdatePriceQuantity)`,
    });
  } catch (error) {
    // The whole call refused for the SKU (rather than a 207 naming it).
    if (error instanceof VendorError && (error.status === 404 || UNKNOWN_SKU.has(Number(error.code)))) {
      return { ...base, status: 'unknown-sku' };
    }
    throw error;
  }
  const response = answer?.responses?.find((r) => r.sku === figure.sku) ?? answer?.responses?.[0];
  const status = response?.statusCode ?? 200;
  if (status >= 200 && status < 300) return { ...base, status: 'set' };
  const errors = response?.errors ?? [];
  if (status === 404 || errors.some((e) => e.errorId !== undefined && UNKNOWN_SKU.has(e.errorId))) {
    return { ...base, status: 'unknown-sku' };
  }
  const first = errors[0];
  throw new VendorError({
    vendor: 'eBay',
    request: 'POST /sell/inventory/v1/bulk_update_price_quantity',
    what: `quantity of SKU ${figure.sku}`,
    status,
    ...(first?.errorId !== undefined ? { code: String(first.errorId) } : {}),
    message: first?.longMessage ?? first?.message ?? `eBay answered ${status} for the SKU`,
    retryable: status === 429 || status >= 500,
    fix: 'a listing can be revised 250 times a calendar day, and one made with the Trading API must be migrated (bulkMigrateListing) before the Inventory API can change it',
  });
}

/**
 * Sets each SKU's ship-to-home quantity with bulkUpdatePriceQuantity, one SKU per call (the call's own rule).
 * Chosen over createOrReplaceInventoryItem, which replaces the whole inventory item: changing a quantity with it
 * means reading the item and writing all of it back (two calls, racing edits made in Seller Hub meanwhile), and a
 * PUT for a SKU eBay does not know creates an empty item instead of saying so. bulkUpdatePriceQuantity touches
 * the quantity only, revises the SKU's published offers, and answers per SKU (404 / 25702: no such SKU).
 * eBay keeps one ship-to-home figure per SKU: a figure's location is not sent. The hub spaces one SKU's pushes
 * (stockPushLimit, 250 a day) since each revises the listing.
 */
export async function pushStock(
  context: ActionContext<Settings, Secrets>,
  { figures }: { figures: StockFigure[] },
): Promise<StockPushResult[]> {
  const api = await ebayApi(context, 'inventory', context.signal);
  const results: StockPushResult[] = [];
  for (const figure of figures) results.push(await setQuantity(api, figure));
  return results;
}
