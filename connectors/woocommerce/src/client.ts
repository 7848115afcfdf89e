import {
  type ConnectionContext,
  createVendorClient,
  HubError,
  type VendorClient,
  VendorError,
} from '@switchyard/core';
import WooCommerceModule from '@woocommerce/woocommerce-rest-api';
import type { Secrets, Settings } from './settings.ts';

/**
 * The package is CommonJS built by Babel: under Node's ESM loader the default import is the
 * module object ({ default, OptionsException }), under bundlers the class. Take the class either way.
 */
const WooCommerceRestApi = ((WooCommerceModule as unknown as { default?: typeof WooCommerceModule })
  .default ?? WooCommerceModule) as typeof WooCommerceModule;

/** Where the library puts the REST API under the shop's address. */
const API_PATH = 'wp-json/wc/v3';

/**
 * The shop refused the REST keys (401/403). Repeating cannot mend it (`permanent`: a workflow step parks the
 * order for a person at once); the words are the ones the CLI and the sync report have always printed.
 */
export class CredentialsRefused extends HubError {
  override name = 'CredentialsRefused';
  readonly permanent = true;
  constructor(what: string, cause: VendorError) {
    super(
      {
        type: 'vendor-credentials-refused',
        title: 'WooCommerce refused the API credentials',
        status: 502,
        detail: `WooCommerce refused the API credentials for ${what} (${cause.status})`,
        fix: 'check consumerKey and consumerSecret (WooCommerce › Settings › Advanced › REST API): read access for the poll, read/write for write-back',
        vendorStatus: cause.status,
        vendorCode: cause.code,
        request: cause.request,
      },
      { cause },
    );
  }
}

/**
 * The REST client of one connection, on core's vendor client: the connection's request budget, a timeout per
 * attempt, retries with backoff honouring Retry-After, errors that name the call and never a credential.
 *
 * The wire is WooCommerce's own library (@woocommerce/woocommerce-rest-api, as DESIGN.md's testing rule asks:
 * the real client in the loop). It is the `fetch` core's client calls: the library builds each request the way
 * WooCommerce expects it (Basic auth over https, an OAuth 1.0a signed query over plain http, its User-Agent) and
 * sends it with axios; core decides everything around the request. So the credentials never pass through core's
 * client, and the only place they could leak back, a shop that echoes them in its error body, is redacted.
 */
export function wooClient(
  context: Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>,
) {
  const { settings, secrets } = context;
  const { consumerKey, consumerSecret } = secrets;
  if (!consumerKey || !consumerSecret) {
    throw new Error(
      'calling the WooCommerce API needs secrets.consumerKey and secrets.consumerSecret (WooCommerce › Settings › Advanced › REST API)',
    );
  }
  const apiRoot = `${settings.siteUrl.replace(/\/+$/, '')}/${API_PATH}/`;
  const api = createVendorClient({
    vendor: 'WooCommerce',
    baseUrl: apiRoot,
    budget: { key: context.connectionId, perSecond: settings.requestsPerSecond },
    timeoutMs: settings.timeoutSeconds * 1000,
    // A 500 from WordPress is most often a PHP fatal error that another try repeats; 429 and the gateway's
    // 502-504 are the host being busy.
    retry: { statuses: [429, 502, 503, 504] },
    redact: {
      values: [
        consumerKey,
        consumerSecret,
        Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64'),
      ],
    },
    problem: ({ status, text }) => {
      if (status < 400) return undefined;
      // { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status } }
      const body = JSON.parse(text) as { code?: unknown; message?: unknown };
      return typeof body.code === 'string'
        ? { code: body.code, ...(typeof body.message === 'string' ? { message: body.message } : {}) }
        : undefined;
    },
    fetch: throughLibrary(settings.siteUrl, consumerKey, consumerSecret, new URL(apiRoot).pathname),
  });
  const refusal = async <T>(what: string | undefined, call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      if (error instanceof VendorError && (error.status === 401 || error.status === 403)) {
        throw new CredentialsRefused(what ?? error.request, error);
      }
      throw error;
    }
  };
  return {
    request: ((method, path, options) =>
      refusal(options?.what, api.request(method, path, options))) as VendorClient['request'],
    json: ((method, path, options) =>
      refusal(options?.what, api.json(method, path, options))) as VendorClient['json'],
  } satisfies VendorClient;
}

/** An answer as axios gives it when every status is an answer and the body is left as text. */
interface LibraryAnswer {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
}

/** `fetch` answered by the WooCommerce library (see wooClient): one attempt, no retry or timeout of its own. */
function throughLibrary(
  siteUrl: string,
  consumerKey: string,
  consumerSecret: string,
  apiPath: string,
): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const endpoint = decodeURIComponent(url.pathname.slice(apiPath.length));
    const params = Object.fromEntries(url.searchParams);
    const data = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const shop = new WooCommerceRestApi({
      url: siteUrl,
      consumerKey,
      consumerSecret,
      version: 'wc/v3',
      // Core's client reads every status and the raw text itself; the abort carries its timeout and the caller's.
      axiosConfig: {
        signal: init?.signal,
        validateStatus: () => true,
        responseType: 'text',
        transformResponse: [(body: unknown) => body],
      },
    });
    let answer: LibraryAnswer;
    try {
      const method = (init?.method ?? 'GET').toUpperCase();
      answer =
        method === 'POST'
          ? await shop.post(endpoint, data, params)
          : method === 'PUT'
            ? await shop.put(endpoint, data, params)
            : method === 'DELETE'
              ? await shop.delete(endpoint, params)
              : await shop.get(endpoint, params);
    } catch (error) {
      // As fetch fails: the reason (ECONNREFUSED, a reset) in `cause`, where core's client reads it.
      const e = error as { code?: string; message?: string };
      throw new TypeError('fetch failed', { cause: { code: e.code, message: e.message } });
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers ?? {})) {
      if (value != null) headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    const empty = answer.status === 204 || answer.status === 205 || answer.status === 304;
    return new Response(empty ? null : String(answer.data ?? ''), { status: answer.status, headers });
  };
}
