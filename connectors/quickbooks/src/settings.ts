import { CurrencyCode } from '@switchyard/core';
import { z } from 'zod';

/**
 * The QuickBooks Online API's minor version, sent as `?minorversion=` on every accounting call. Intuit retired
 * minor versions 1–74 on 2025-08-01 (a call without one, or with an older one, is answered as 75 or refused), so
 * it is pinned here, once: a move to a later version is one change, read and tested as a whole.
 */
export const MINOR_VERSION = 75;

/** Intuit's accounting API hosts. */
export const API_ORIGINS = {
  production: 'https://quickbooks.api.intuit.com',
  sandbox: 'https://sandbox-quickbooks.api.intuit.com',
} as const;

/**
 * A QuickBooks Online connection's settings. The app (its Client ID and Secret, its redirect URI and webhook
 * endpoint) is made once at developer.intuit.com › Dashboard › your app › Keys & credentials; each merchant's
 * company is then connected by authorizing the connection (`switchyard connections authorize <id>`).
 */
export const Settings = z
  .object({
    /** The app's Client ID (Keys & credentials: Development for sandbox companies, Production otherwise). */
    clientId: z.string().min(1),
    /** `sandbox` for Intuit's sandbox companies (with the Development keys). */
    environment: z.enum(['production', 'sandbox']).default('production'),
    /** Where the accounting API is: by default Intuit's host for `environment`; a fake's address in tests. */
    apiOrigin: z.url({ message: 'must be an address such as https://quickbooks.api.intuit.com' }).optional(),
    /** Where the token endpoint (`/oauth2/v1/tokens/bearer`) is. */
    oauthOrigin: z
      .url({ message: 'must be an address such as https://oauth.platform.intuit.com' })
      .default('https://oauth.platform.intuit.com'),
    /** Where the consent page (`/connect/oauth2`) is. */
    authorizeOrigin: z
      .url({ message: 'must be an address such as https://appcenter.intuit.com' })
      .default('https://appcenter.intuit.com'),
    /**
     * The company's home currency: what an invoice is counted in when QuickBooks does not say (a company
     * without multicurrency may omit CurrencyRef; a deleted invoice cannot be read any more). Set it for a
     * company outside the US.
     */
    homeCurrency: CurrencyCode.default('USD'),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

export const Secrets = z.object({
  /** The app's Client Secret (Keys & credentials), sent only to the token endpoint. */
  clientSecret: z.string().min(1),
  /** The app's webhook Verifier Token (Webhooks page), the key of the `intuit-signature` HMAC. */
  webhookVerifierToken: z.string().min(1),
});
export type Secrets = z.output<typeof Secrets>;

/** The accounting API's origin for a connection: the configured one, else Intuit's for its environment. */
export function apiOriginOf(settings: Settings): string {
  return (settings.apiOrigin ?? API_ORIGINS[settings.environment]).replace(/\/+$/, '');
}
