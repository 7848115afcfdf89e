import { z } from 'zod';

/**
 * The scopes asked for by default: the granular ones Xero requires of apps created on or after 2026-03-02
 * (`accounting.transactions` is refused to them), one per kind of document the connector writes, plus contacts
 * (customers found or created by name) and `offline_access` (without it Xero grants no refresh token). An app
 * created earlier may still list `accounting.transactions` instead, until Xero retires it (September 2027).
 */
export const DEFAULT_SCOPES = [
  'offline_access',
  'accounting.invoices',
  'accounting.payments',
  'accounting.banktransactions',
  'accounting.manualjournals',
  'accounting.contacts',
] as const;

const origin = (example: string) =>
  z.url({ message: `must be an address such as ${example}` }).transform((url) => url.replace(/\/+$/, ''));

/**
 * A Xero connection's settings. The app comes from developer.xero.com › My Apps (a "Web app" with the hub's
 * redirect URI, `<server.publicUrl>/oauth/callback`); the merchant then authorizes it once for
 * their organisation.
 */
export const Settings = z
  .object({
    /** The app's Client id (My Apps › the app › Configuration). */
    clientId: z.string().min(1, 'must be the Client id of the Xero app'),
    /**
     * The organisation to post to, when the merchant's consent reaches several (Xero lets one consent cover
     * many): its tenant id, as `GET /connections` lists it (the authorization's error lists them). Without it
     * the only organisation of the grant is used.
     */
    tenantId: z.string().min(1).optional(),
    /** OAuth scopes asked for; see DEFAULT_SCOPES. Must include offline_access. */
    scopes: z
      .array(z.string().min(1))
      .min(1)
      .refine((s) => s.includes('offline_access'), {
        message:
          'must include offline_access: without it Xero grants no refresh token and the connection dies after 30 minutes',
      })
      .default([...DEFAULT_SCOPES]),
    /** Xero's API (the Accounting API is under /api.xro/2.0, the tenants under /connections); a fake's in tests. */
    apiOrigin: origin('https://api.xero.com').default('https://api.xero.com'),
    /** Where tokens are granted (`/connect/token`). */
    identityOrigin: origin('https://identity.xero.com').default('https://identity.xero.com'),
    /** Where the merchant consents (`/identity/connect/authorize`). */
    loginOrigin: origin('https://login.xero.com').default('https://login.xero.com'),
    /**
     * The contact a gateway's fees are spent to when the mapping names none (Xero needs a contact on every bank
     * transaction): found by name, or created once.
     */
    feeContact: z.string().min(1).default('Payment processing fees'),
    timeoutSeconds: z.number().int().min(1).max(300).default(60),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

export const Secrets = z.object({
  /** The app's Client secret (My Apps › the app › Configuration › Generate a secret). */
  clientSecret: z.string().min(1),
  /** The webhook key Xero shows under My Apps › the app › Webhooks; it signs every delivery. */
  webhookKey: z.string().min(1),
});
export type Secrets = z.output<typeof Secrets>;
