import { CurrencyCode, type ShipAddress } from '@switchyard/core';
import { z } from 'zod';

/**
 * Where a merchant holds stock and ships from: a warehouse, a store, a 3PL, a dropship partner. The top-level
 * `locations` of the config, each for one tenant. Pure data: which orders it may take (channels, countries),
 * how much the merchant prefers it (priority, cost per shipment), and whether it may ship part of an order.
 * (The name `Location` is taken by an X12 partner's store and DC table in partner.ts.)
 */

export const LocationId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit (e.g. east-wh)',
  );

export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals such as US, GB or DE');

/** The ship-from address, in the shape carriers take (core's `ShipAddress`), so a label can be bought from it. */
export const LocationAddress = z
  .object({
    name: z.string().min(1).optional(),
    company: z.string().min(1).optional(),
    street1: z.string().min(1),
    street2: z.string().min(1).optional(),
    city: z.string().min(1),
    state: z.string().min(1).optional(),
    zip: z.string().min(1),
    country: CountryCode,
    phone: z.string().min(1).optional(),
    email: z.string().min(1).optional(),
  })
  .strict();

export type LocationAddress = z.output<typeof LocationAddress>;

export const StockLocation = z
  .object({
    id: LocationId,
    tenant: z.string().min(1),
    name: z.string().min(1).optional(),
    kind: z.enum(['warehouse', 'store', '3pl', 'dropship']),
    address: LocationAddress,
    /** Connection ids of the channels it may ship for; every channel when absent, none when empty. */
    channels: z.array(z.string().min(1)).optional(),
    /** Countries it ships to (ISO alpha-2); anywhere when absent. */
    countries: z.array(CountryCode).min(1, 'list at least one country, or leave countries out').optional(),
    /** Higher is preferred when locations tie on cost. */
    priority: z.number().int().default(0),
    /** What one shipment from here costs the merchant (picking, packing, a 3PL's fee); 0 when absent. */
    costPerShipment: z
      .object({
        amount: z.number().int().min(0, 'a cost per shipment is 0 or more minor units'),
        currency: CurrencyCode,
      })
      .strict()
      .optional(),
    /** Whether it may ship part of an order; when false it is only chosen for the whole order. */
    partial: z.boolean().default(true),
    /** The shipping connection that buys its labels; the channel's when absent. */
    shipping: z.string().min(1).optional(),
  })
  .strict();
export type StockLocation = z.output<typeof StockLocation>;
export type StockLocationInput = z.input<typeof StockLocation>;

/** The address labels for this location's shipments are bought from (typed as core's carrier address). */
export function shipFromAddress(location: StockLocation): ShipAddress {
  return location.address;
}
