import { z } from 'zod';
import { LocationId } from './locations.ts';

/**
 * A channel connection's `stock` section: which hub locations make each stock figure the channel shows, how
 * much of it is shown (the buffer), and for which locations the channel's own stock changes are the truth.
 */

/** A percentage with at most two decimals, so the arithmetic stays on integers (basis points). */
const Percent = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, {
    message: 'must have at most two decimals, e.g. 80 or 12.5',
  });

export const StockBuffer = z
  .object({
    /** The share of the available-to-promise shown, rounded down (default 100). */
    percent: Percent.default(100),
    /** Units kept back after the percentage (default 0). */
    holdBack: z.number().int().min(0).default(0),
  })
  .strict();
export type StockBuffer = z.output<typeof StockBuffer>;

export const ChannelStockLocation = z
  .object({
    /** The channel's location id (a Shopify location, an Amazon fulfillment channel); absent for one figure per product. */
    channelLocation: z.string().min(1).optional(),
    /** Hub locations whose available-to-promise is summed into this figure. */
    from: z.array(LocationId).min(1, 'name at least one hub location the figure comes from'),
  })
  .strict();

export const ChannelStock = z
  .object({
    locations: z.array(ChannelStockLocation).min(1, 'map at least one channel figure to hub locations'),
    buffer: StockBuffer.optional(),
    /** Hub locations whose stock changes made on this channel are taken as the truth (e.g. a store's POS). */
    systemOfRecord: z.array(LocationId).optional(),
  })
  .strict()
  .superRefine((stock, ctx) => {
    const unnamed = stock.locations.filter((l) => l.channelLocation === undefined).length;
    if (unnamed && stock.locations.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['locations'],
        message:
          'a figure without channelLocation means one figure per product: it must be the only entry (name each channel location otherwise)',
      });
    }
    const seen = new Set<string>();
    stock.locations.forEach((l, i) => {
      if (l.channelLocation === undefined) return;
      if (seen.has(l.channelLocation)) {
        ctx.addIssue({
          code: 'custom',
          path: ['locations', i, 'channelLocation'],
          message: `channel location "${l.channelLocation}" is mapped twice: merge its "from" lists into one entry`,
        });
      }
      seen.add(l.channelLocation);
    });
  });
export type ChannelStock = z.output<typeof ChannelStock>;

/**
 * The figure a channel is shown for `available` units: `max(0, floor(available × percent / 100) − holdBack)`,
 * on integers (percent as basis points), so 7 units at 50 % is 3, never 3.4999. Negative or fractional
 * availability counts as what it floors to, at least 0.
 */
export function shownQuantity(available: number, buffer?: { percent?: number; holdBack?: number }): number {
  const units = Number.isFinite(available) && available > 0 ? Math.floor(available) : 0;
  const basisPoints = Math.min(10_000, Math.max(0, Math.round((buffer?.percent ?? 100) * 100)));
  const holdBack = Math.max(0, Math.floor(buffer?.holdBack ?? 0));
  return Math.max(0, Math.floor((units * basisPoints) / 10_000) - holdBack);
}
