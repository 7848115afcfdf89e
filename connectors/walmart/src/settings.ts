import { z } from 'zod';

/**
 * A Walmart Marketplace (US) connection's settings. The API keys come from the Developer Portal
 * (developer.walmart.com › My Account › Production Keys, or Sandbox Keys for sandbox.walmartapis.com).
 */
export const Settings = z
  .object({
    /**
     * Where Walmart's API is: production by default; https://sandbox.walmartapis.com for the sandbox (with the
     * sandbox keys), or a fake's address in tests.
     */
    apiOrigin: z
      .url({ message: 'must be an address such as https://marketplace.walmartapis.com' })
      .default('https://marketplace.walmartapis.com'),
    /** Sent as WM_SVC.NAME on every call (Walmart requires it; any name of the integration). */
    svcName: z.string().min(1).default('Walmart Marketplace'),
    /**
     * WM_CONSUMER.CHANNEL.TYPE: only when Walmart gave one at onboarding (solution providers); it is then sent
     * on every call.
     */
    channelType: z.string().min(1).optional(),
    /**
     * The ship node (fulfillment center id in Seller Center › Settings › Shipping) whose stock the hub sets,
     * when the seller has several; without it Walmart sets the seller's default node. A location mapped in the
     * connection's `stock` section (`channelLocation`) names its own node instead.
     */
    shipNode: z.string().min(1).optional(),
    /** Orders per page when pulling: Walmart allows at most 200. */
    pageSize: z.number().int().min(1).max(200).default(200),
    timeoutSeconds: z.number().int().min(1).max(300).default(60),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

export const Secrets = z.object({
  /** The API key's Client ID (Developer Portal › My Account). */
  clientId: z.string().min(1),
  /** The API key's Client Secret; Walmart mints 15-minute access tokens from the pair. */
  clientSecret: z.string().min(1),
});
export type Secrets = z.output<typeof Secrets>;
