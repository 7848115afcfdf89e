import { z } from 'zod';

/** A connection's settings: which shop, the secret's rotation, how pulls page. */
export const Settings = z
  .object({
    /** The shop's permanent domain, e.g. acme.myshopify.com. */
    shop: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/,
        'must be the shop’s myshopify.com domain, e.g. acme.myshopify.com',
      ),
    /** When the client secret was rotated: the previous one is accepted for `rotationGraceMinutes` after. */
    rotatedAt: z.iso.datetime({ offset: true }).optional(),
    rotationGraceMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(60),
    /** Orders per GraphQL page when pulling; each costs query points against the shop's bucket. */
    pageSize: z.number().int().min(1).max(250).default(25),
    /** `switchyard backfill` through a bulk operation (one export, streamed) instead of paged queries. */
    bulkBackfill: z.boolean().default(true),
    /** Orders of a bulk export committed together, with the resume point after them. */
    bulkPageSize: z.number().int().min(1).max(5000).default(500),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
    /**
     * Subscribe to inventory_levels/update too (`connections sync-webhooks`), so stock changed in Shopify reaches
     * the hub's stock sync. Off by default: the subscription needs the read_inventory scope, which a connection
     * that only imports orders may not have (Shopify would refuse it).
     */
    stockWebhooks: z.boolean().default(false),
    /** Send API calls to this origin instead of https://<shop> (a proxy, or a local fake in tests). */
    apiOrigin: z.url().optional(),
  })
  .strict();
export type Settings = z.infer<typeof Settings>;

/** A connection's secrets, each an `env(...)` reference in config. */
export const Secrets = z.object({
  /** The app's client secret: Shopify signs webhooks with it. */
  clientSecret: z.string().min(8),
  /** The client secret before a rotation (see settings.rotatedAt). */
  previousClientSecret: z.string().min(8).optional(),
  /** Admin API access token with read_orders, for pulling. */
  accessToken: z.string().min(8).optional(),
});
export type Secrets = z.infer<typeof Secrets>;
