import { type ActionContext, type StockFigure, type StockPushResult, VendorError } from '@switchyard/core';
import { type AmazonApi, amazonApi } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

/**
 * Stock out to Amazon: the Listings Items API's patchListingsItem, a `merge` of `fulfillment_availability`
 * with the merchant channel (`DEFAULT`) and the quantity, which keeps the listing's handling time and restock
 * date. The patch needs the listing's product type, read once per SKU with getListingsItem (summaries) and kept;
 * the same read says whether the seller fulfils the SKU at all: a listing stocked only by Amazon (FBA channels
 * such as AMAZON_NA) has no merchant quantity to set. Amazon answers a patch 200 in every case, ACCEPTED or
 * INVALID with its issues: an INVALID figure is reported with the issues' words.
 */
const LISTINGS = 'listings/2021-08-01/items';
const MERCHANT_CHANNEL = 'DEFAULT';
/** How long a SKU's product type and channels are trusted before they are read again. */
const KEEP_MS = 6 * 3_600_000;

interface Listing {
  productType: string;
  /** Stocked by Amazon only: no merchant (DEFAULT) channel. */
  amazonOnly: boolean;
  /** The merchant quantity as read, until a push sets another. */
  quantity?: number;
  at: number;
}

const listings = new Map<string, Listing>();

interface Issue {
  code?: string;
  message?: string;
  severity?: string;
}

/** Why Amazon answered INVALID to a figure, in its issues' words (INFO issues left out), and what to do. */
function refusal(issues: Issue[]): string {
  const words =
    issues
      .filter((i) => i.severity !== 'INFO')
      .map((i) => `${i.code ?? 'issue'}: ${i.message ?? 'no message'}`)
      .join('; ') || 'no issue given';
  return `Amazon answered INVALID (${words}); correct the listing in Seller Central (Inventory › Manage All Inventory) as the issues say: the figure goes again with the SKU's next change`;
}

async function listingOf(
  api: AmazonApi,
  context: ActionContext<Settings, Secrets>,
  sku: string,
): Promise<Listing | undefined> {
  const key = `${context.connectionId}\u0000${sku}`;
  const kept = listings.get(key);
  if (kept && Date.now() - kept.at < KEEP_MS) return kept;
  const { settings } = context;
  const item = await api.json<{
    summaries?: { marketplaceId?: string; productType?: string }[];
    fulfillmentAvailability?: { fulfillmentChannelCode?: string; quantity?: number }[];
  }>(
    'getListingsItem',
    'GET',
    `${LISTINGS}/${encodeURIComponent(settings.sellerId)}/${encodeURIComponent(sku)}`,
    {
      query: {
        marketplaceIds: settings.marketplaceIds,
        includedData: ['summaries', 'fulfillmentAvailability'],
      },
      notFound: 'undefined',
      signal: context.signal,
      what: `listing ${sku}`,
    },
  );
  if (!item) {
    listings.delete(key);
    return undefined;
  }
  const summary =
    item.summaries?.find((s) => s.marketplaceId && settings.marketplaceIds.includes(s.marketplaceId)) ??
    item.summaries?.[0];
  if (!summary?.productType) {
    throw new Error(`Amazon's listing ${sku} has no product type in its summaries, which a patch needs`);
  }
  const channels = item.fulfillmentAvailability ?? [];
  const merchant = channels.find((c) => c.fulfillmentChannelCode === MERCHANT_CHANNEL);
  const listing: Listing = {
    productType: summary.productType,
    amazonOnly: channels.length > 0 && !merchant,
    ...(typeof merchant?.quantity === 'number' ? { quantity: merchant.quantity } : {}),
    at: Date.now(),
  };
  listings.set(key, listing);
  return listing;
}

export async function pushStock(
  context: ActionContext<Settings, Secrets>,
  { figures }: { figures: StockFigure[] },
): Promise<StockPushResult[]> {
  const api = amazonApi(context);
  const { settings } = context;
  const results: StockPushResult[] = [];
  for (const figure of figures) {
    const base = { sku: figure.sku, ...(figure.location !== undefined ? { location: figure.location } : {}) };
    const listing = await listingOf(api, context, figure.sku);
    if (!listing) {
      results.push({ ...base, status: 'unknown-sku' });
      continue;
    }
    if (listing.amazonOnly) {
      results.push({ ...base, status: 'not-stocked' });
      continue;
    }
    let answer: { status?: string; submissionId?: string; issues?: Issue[] } | undefined;
    try {
      answer = await api.json(
        'patchListingsItem',
        'PATCH',
        `${LISTINGS}/${encodeURIComponent(settings.sellerId)}/${encodeURIComponent(figure.sku)}`,
        {
          query: { marketplaceIds: settings.marketplaceIds, issueLocale: 'en_US' },
          json: {
            productType: listing.productType,
            patches: [
              {
                op: 'merge',
                path: '/attributes/fulfillment_availability',
                value: [{ fulfillment_channel_code: MERCHANT_CHANNEL, quantity: figure.quantity }],
              },
            ],
          },
          // An absolute quantity: setting it twice sets it once.
          idempotent: true,
          notFound: 'undefined',
          signal: context.signal,
          what: `stock of listing ${figure.sku}`,
        },
      );
    } catch (error) {
      // A product type changed since it was kept: read the listing again on the next push.
      if (error instanceof VendorError && error.status === 400)
        listings.delete(`${context.connectionId}\u0000${figure.sku}`);
      throw error;
    }
    if (!answer) {
      listings.delete(`${context.connectionId}\u0000${figure.sku}`);
      results.push({ ...base, status: 'unknown-sku' });
      continue;
    }
    if (answer.status !== 'ACCEPTED') {
      results.push({ ...base, status: 'refused', reason: refusal(answer.issues ?? []) });
      continue;
    }
    // What Amazon showed, when it was read since the last push (a figure changed in Seller Central shows here).
    const previous = listing.quantity;
    delete listing.quantity;
    results.push({ ...base, status: 'set', ...(previous !== undefined ? { previous } : {}) });
  }
  return results;
}
