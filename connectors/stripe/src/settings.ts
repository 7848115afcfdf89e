import { z } from 'zod';

/** A Stripe connection's settings: the client's timeouts and retries, the pace, where the API is. */
export const StripeSettings = z
  .object({
    timeoutSeconds: z.number().int().min(1).max(120).default(30),
    /** Retries of a failed call inside the client, under the same idempotency key. */
    maxNetworkRetries: z.number().int().min(0).max(10).default(3),
    /**
     * This connection's pace toward Stripe, every call counted: Stripe allows 100 operations a second in live
     * mode and 25 in test mode, and answers bursts beyond with 429. Default: 80 for a live key, 20 for a test
     * key, leaving room for the account's other users.
     */
    requestsPerSecond: z.number().positive().max(1_000).optional(),
    /** Send API calls to this origin instead of https://api.stripe.com (a proxy, or a local fake in tests). */
    apiOrigin: z.url().optional(),
  })
  .strict();

/** A Stripe connection's secrets, each an `env('NAME')` reference in config. */
export const StripeSecrets = z.object({
  /** Restricted key (rk_…) or secret key (sk_…) with PaymentIntents, Refunds, Customers and Invoices write. */
  secretKey: z.string().min(8),
  /** The endpoint's signing secret (whsec_…), shown in Stripe's Dashboard › Developers › Webhooks. */
  webhookSecret: z.string().min(8),
  /** The signing secret before a roll: accepted as long as it is configured (Stripe signs with both meanwhile). */
  previousWebhookSecret: z.string().min(8).optional(),
});

export type StripeSettings = z.output<typeof StripeSettings>;
export type StripeSecrets = z.output<typeof StripeSecrets>;
