import { z } from 'zod';

/** A WooCommerce connection's settings: the shop, and how the hub pages through it and paces its calls. */
export const Settings = z
  .object({
    /** The shop's address, e.g. https://shop.example.com: deliveries from another site are refused (404). */
    siteUrl: z.url({ message: 'must be the shop’s URL, e.g. https://shop.example.com' }),
    /** Orders per page when pulling (WooCommerce allows at most 100). */
    pageSize: z.number().int().min(1).max(100).default(100),
    /** This connection's request budget toward the shop. */
    requestsPerSecond: z.number().positive().max(50).default(5),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

export const Secrets = z.object({
  /** The secret set on the webhook in WooCommerce › Settings › Advanced › Webhooks. */
  webhookSecret: z.string().min(1),
  /** REST API key pair with read access, for the poll that fills WooCommerce's gaps (it never retries a webhook). */
  consumerKey: z.string().min(1).optional(),
  consumerSecret: z.string().min(1).optional(),
});
export type Secrets = z.output<typeof Secrets>;
