import type { VendorClient } from '@switchyard/core';

/** The part of an axios request config xero-node fills and the adapter reads. */
interface RequestConfig {
  method?: string;
  url?: string;
  params?: Record<string, unknown>;
  headers?: Record<string, unknown> & { toJSON?: () => Record<string, unknown> };
  data?: unknown;
}

/** What axios expects an adapter to answer. */
interface AdapterAnswer {
  data: string;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  config: RequestConfig;
  request: Record<string, never>;
}

/**
 * An axios adapter (xero-node sends through axios) that makes the request with core's vendor client: the
 * request is xero-node's (method, URL, query, headers, JSON body), the sending is core's (budget, concurrency,
 * retries, timeout, abort, VendorError). A failure is kept in `failure` as well as thrown: xero-node turns any
 * thrown error into a JSON string, and the caller wants the VendorError itself.
 */
export function vendorAdapter(
  client: VendorClient,
  options: { signal: AbortSignal; what: string; failure: { error?: unknown } },
) {
  return async (config: RequestConfig): Promise<AdapterAnswer> => {
    const method = String(config.method ?? 'get').toUpperCase();
    const url = new URL(String(config.url));
    for (const [name, value] of Object.entries(config.params ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const given =
      typeof config.headers?.toJSON === 'function' ? config.headers.toJSON() : (config.headers ?? {});
    const withBody = method !== 'GET' && method !== 'DELETE' && typeof config.data === 'string';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(given)) {
      if (value === undefined || value === null || typeof value === 'object') continue;
      // The credential is core's to send (its auth), so that it is scrubbed from whatever goes wrong.
      if (/^authorization$/i.test(name) || (!withBody && /^content-type$/i.test(name))) continue;
      headers[name] = String(value);
    }
    // A create carries an Idempotency-Key: repeating it after a lost answer replays, never posts twice.
    const idempotent = method !== 'POST' || Object.keys(headers).some((h) => /^idempotency-key$/i.test(h));
    try {
      const answer = await client.request(method, url.href, {
        headers,
        ...(withBody ? { body: config.data as string } : {}),
        signal: options.signal,
        what: options.what,
        idempotent,
      });
      return {
        data: answer.text,
        status: answer.status,
        statusText: '',
        headers: Object.fromEntries(answer.headers),
        config,
        request: {},
      };
    } catch (error) {
      options.failure.error = error;
      throw error;
    }
  };
}
