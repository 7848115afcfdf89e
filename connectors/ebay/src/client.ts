import { type ConnectionContext, createVendorClient } from '@switchyard/core';
import type { Secrets, Settings } from './settings.ts';

/**
 * The API client of one connection, on core's vendor client: the connection's request budget, a timeout per
 * attempt, retries with backoff honouring Retry-After, errors that name the call and never the token.
 */
export function vendorClient(
  context: Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>,
) {
  const { settings, secrets } = context;
  return createVendorClient({
    vendor: 'Ebay',
    baseUrl: `${settings.apiUrl.replace(/\/+$/, '')}/`,
    auth: () => ({ authorization: `Bearer ${secrets.apiToken}` }),
    budget: { key: context.connectionId, perSecond: settings.requestsPerSecond },
    timeoutMs: settings.timeoutSeconds * 1000,
    problem: ({ status, text }) => {
      if (status < 400) return undefined;
      // The vendor's error body, e.g. { "error": { "code": "not_found", "message": "No such order" } }
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      const { code, message } = body.error ?? {};
      return typeof code === 'string'
        ? { code, ...(typeof message === 'string' ? { message } : {}) }
        : undefined;
    },
  });
}
