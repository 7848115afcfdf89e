import { z } from 'zod';

/** eBay's OAuth scopes this connector asks for: orders and their fulfillment, and listing quantities. */
export const DEFAULT_SCOPES = [
  'https://api.ebay.com/oauth/api_scope/sell.fulfillment',
  'https://api.ebay.com/oauth/api_scope/sell.inventory',
] as const;

/** The application scope (client credentials): the Notification API's public keys and the Analytics API. */
export const APPLICATION_SCOPE = 'https://api.ebay.com/oauth/api_scope';

/**
 * An eBay connection's settings. Where the API is (production or the sandbox, or an origin of its own for a
 * proxy or a fake), which marketplace the calls are for, and how the hub pages and paces its calls.
 */
export const Settings = z
  .object({
    /** `production` (api.ebay.com) or `sandbox` (api.sandbox.ebay.com): where the keyset was issued. */
    environment: z.enum(['production', 'sandbox']).default('production'),
    /** Sends the REST calls to another origin than the environment's (a proxy, a test fake). */
    apiOrigin: z.url({ message: 'must be an origin such as https://api.ebay.com' }).optional(),
    /** Sends the OAuth token calls to another origin than the environment's (default: the API origin). */
    authOrigin: z.url({ message: 'must be an origin such as https://api.ebay.com' }).optional(),
    /** The seller's marketplace, sent as X-EBAY-C-MARKETPLACE-ID (EBAY_US, EBAY_GB, EBAY_DE…). */
    marketplaceId: z
      .string()
      .regex(/^EBAY_[A-Z_]{2,}$/, { message: 'must be an eBay marketplace id such as EBAY_US or EBAY_GB' })
      .default('EBAY_US'),
    /** The scopes the seller granted when the refresh token was made (the user token asks for these). */
    scopes: z
      .array(z.string().min(1))
      .min(1)
      .default([...DEFAULT_SCOPES]),
    /**
     * The notification destination's address exactly as it was registered at eBay, when it differs from the
     * hub's public URL + /webhooks/<connection> (a proxy in front): the endpoint-validation challenge hashes it
     * with the destination's verification token (the secret `verificationToken`, an `env(...)` reference).
     */
    notificationEndpoint: z.url().optional(),
    /** Orders per getOrders page: eBay allows at most 200 ("more than 200, the call fails"). */
    pageSize: z.number().int().min(1).max(200).default(200),
    /**
     * Fulfillment API calls per day this connection may spend when eBay's Analytics API cannot say (its
     * getRateLimits answer is used when it can): the default is eBay's default Fulfillment API quota.
     */
    fulfillmentCallsPerDay: z.number().int().positive().default(100_000),
    /** Inventory API calls per day when the Analytics API cannot say (eBay's default quota). */
    inventoryCallsPerDay: z.number().int().positive().default(2_000_000),
    /** eBay's carrier codes by the hub's carrier names, beyond the built-in ones (USPS, UPS, FedEx, DHL…). */
    carrierCodes: z.record(z.string(), z.string().regex(/^[A-Za-z0-9_]+$/)).default({}),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

/** From the eBay developer portal (Application Keys) and the seller's consent (User Tokens). */
export const Secrets = z.object({
  /** The keyset's App ID (Client ID). */
  clientId: z.string().min(1),
  /** The keyset's Cert ID (Client Secret). */
  clientSecret: z.string().min(1),
  /** The seller's OAuth refresh token (valid about 18 months; a new consent makes a new one). */
  refreshToken: z.string().min(1),
  /**
   * The verification token entered for the notification destination (32 to 80 letters, digits, _ or -): eBay's
   * endpoint-validation challenge is answered with it. Without it the challenge is not answered.
   */
  verificationToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,80}$/, { message: 'must be 32 to 80 letters, digits, underscores or hyphens' })
    .optional(),
});
export type Secrets = z.output<typeof Secrets>;

/**
 * The eBay application (keyset) a connection calls as: eBay counts its daily call quotas and its
 * client_credentials grants per application, so the connections of one keyset share a call budget, a pace and
 * an application token. Keyed by where the calls go and the keyset's App ID (not a secret).
 */
export function applicationOf(
  settings: Pick<Settings, 'environment' | 'apiOrigin' | 'authOrigin'>,
  secrets: Pick<Secrets, 'clientId'>,
): string {
  return `${origins(settings).auth} ${secrets.clientId}`;
}

/** Where the REST and OAuth calls of a connection go. */
export function origins(settings: Pick<Settings, 'environment' | 'apiOrigin' | 'authOrigin'>) {
  const base = settings.environment === 'sandbox' ? 'https://api.sandbox.ebay.com' : 'https://api.ebay.com';
  const api = (settings.apiOrigin ?? base).replace(/\/+$/, '');
  return { api, auth: (settings.authOrigin ?? api).replace(/\/+$/, '') };
}
