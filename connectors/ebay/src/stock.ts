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

/** What to do about eBay's refusal of one SKU's quantity, by its error id, where eBay's words alone do not say. */
const REFUSAL_FIXES: Record<number, string> = {
  25002:
    'eBay revises a listing at most 250 times a calendar day (its message says when that is the reason): the figure goes again with the SKU’s next change, or tomorrow; a listing made with the Trading API must be migrated (bulkMigrateListing) before the Inventory API can change it',
  25004: 'eBay refused the quantity itself: check the SKU’s listing in Seller Hub (a quantity eBay caps)',
  25709: 'eBay refused the quantity itself: check the SKU’s listing in Seller Hub (a quantity eBay caps)',
};
const GENERAL_FIX =
  'check the SKU’s listing in Seller Hub; a listing made with the Trading API must be migrated (bulkMigrateListing) before the Inventory API can change it';

/** The refusal in eBay's words, with what to do: the reason the hub logs and counts. */
function refusal(figure: StockFigure, words: string, id: number | undefined): string {
  const fix = (id !== undefined && REFUSAL_FIXES[id]) || GENERAL_FIX;
  return `eBay refused quantity ${figure.quantity} for SKU ${figure.sku} (${words}): ${fix}`;
}

/**
 * A 408, a 429, a 5xx or no answer: not a refusal of the figure but eBay not taking calls now; the hub tries again.
 */
const unavailable = (status: number | undefined) =>
  status === 408 || status === 429 || (status ?? 500) >= 500;

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
    if (!(error instanceof VendorError)) throw error;
    // The call refused as a whole for its one SKU (rather than a 207 naming it).
    if (error.status === 404 || UNKNOWN_SKU.has(Number(error.code)))
      return { ...base, status: 'unknown-sku' };
    // Throttled, eBay down, or the token refused (401/403: the connection's health says so): the whole call failed.
    if (unavailable(error.status) || error.status === 401 || error.status === 403) throw error;
    // Any other 4xx refuses this SKU's figure: sending it again unchanged gets the same answer.
    const id = error.code && /^\d+$/.test(error.code) ? Number(error.code) : undefined;
    return { ...base, status: 'refused', reason: refusal(figure, error.message, id) };
  }
  const response = answer?.responses?.find((r) => r.sku === figure.sku) ?? answer?.responses?.[0];
  const status = response?.statusCode ?? 200;
  if (status >= 200 && status < 300) return { ...base, status: 'set' };
  const errors = response?.errors ?? [];
  if (status === 404 || errors.some((e) => e.errorId !== undefined && UNKNOWN_SKU.has(e.errorId))) {
    return { ...base, status: 'unknown-sku' };
  }
  if (unavailable(status)) {
    const first = errors[0];
    throw new VendorError({
      vendor: 'eBay',
      request: 'POST /sell/inventory/v1/bulk_update_price_quantity',
      what: `quantity of SKU ${figure.sku}`,
      status,
      ...(first?.errorId !== undefined ? { code: String(first.errorId) } : {}),
      message: first?.longMessage ?? first?.message ?? `eBay answered ${status} for the SKU`,
      retryable: true,
    });
  }
  const first = errors[0];
  const words = `HTTP ${status}${first?.errorId !== undefined ? ` (${first.errorId})` : ''}: ${first?.longMessage ?? first?.message ?? 'no reason given'}`;
  return { ...base, status: 'refused', reason: refusal(figure, words, first?.errorId) };
}

/**
 * Sets each SKU's ship-to-home quantity with bulkUpdatePriceQuantity, one SKU per call (the call's own rule).
 * Chosen over createOrReplaceInventoryItem, which replaces the whole inventory item: changing a quantity with it
 * means reading the item and writing all of it back (two calls, racing edits made in Seller Hub meanwhile), and a
 * PUT for a SKU eBay does not know creates an empty item instead of saying so. bulkUpdatePriceQuantity touches
 * the quantity only, revises the SKU's published offers, and answers per SKU (404 / 25702: no such SKU).
 * eBay keeps one ship-to-home figure per SKU: a figure's location is not sent. The hub spaces one SKU's pushes
 * (stockPushLimit, 250 a day) since each revises the listing.
 *
 * One result per figure: a SKU eBay refuses (4xx: the day's 250 revisions spent, a listing the Inventory API
 * cannot change) is `refused` with eBay's words and what to do, and the others stand; the hub sends a refused
 * figure again only with the SKU's next change, so a refusal costs no revisions every 30 s. Only eBay not taking
 * calls (429, 5xx, a refused token) fails the push, which the hub repeats whole in 30 s.
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
