import { createHash } from 'node:crypto';
import {
  type PullPage,
  type PullRequest,
  type RetryVerdict,
  retryAfterMs,
  withinBudget,
  withRetries,
} from '@switchyard/core';
import WooCommerceModule from '@woocommerce/woocommerce-rest-api';
import { gmt } from './order.ts';

/**
 * The package is CommonJS built by Babel: under Node's ESM loader the default import is the
 * module object ({ default, OptionsException }), under bundlers the class. Take the class either way.
 */
const WooCommerceRestApi = ((WooCommerceModule as unknown as { default?: typeof WooCommerceModule })
  .default ?? WooCommerceModule) as typeof WooCommerceModule;

export interface ApiSettings {
  siteUrl: string;
  pageSize: number;
  requestsPerSecond: number;
  timeoutSeconds: number;
}
export interface ApiSecrets {
  consumerKey?: string | undefined;
  consumerSecret?: string | undefined;
}

interface AxiosLikeError {
  code?: string;
  response?: { status: number; headers: Record<string, string | undefined> };
}

/** 429 and 5xx from the host, timeouts and dropped connections are worth another try; the rest is not. */
export function classify(error: unknown): RetryVerdict {
  const e = error as AxiosLikeError;
  const status = e.response?.status;
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    const after = retryAfterMs(e.response?.headers['retry-after']);
    return after === undefined ? { retry: true } : { retry: true, afterMs: after };
  }
  if (status !== undefined) return { retry: false };
  return {
    retry: ['ECONNABORTED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'ERR_NETWORK'].includes(
      e.code ?? '',
    ),
  };
}

/** A readable reason for a failed call, without credentials (axios errors carry the request config). */
export function reason(error: unknown, what: string): Error {
  const e = error as AxiosLikeError & { message?: string };
  const status = e.response?.status;
  if (status === 401 || status === 403) {
    return new Error(
      `WooCommerce refused the API credentials for ${what} (${status}): check consumerKey and consumerSecret and their read permission`,
    );
  }
  return new Error(
    `WooCommerce ${what} failed: ${status ? `HTTP ${status}` : (e.code ?? e.message ?? 'unknown error')}`,
  );
}

/**
 * One call of a connection to its shop: within the connection's request budget, retried on
 * 429, 5xx and timeouts (honouring Retry-After), and a failure in plain words naming `what`.
 */
export async function send<R>(
  connectionId: string,
  settings: ApiSettings,
  signal: AbortSignal,
  what: string,
  run: () => Promise<R>,
): Promise<R> {
  try {
    return await withRetries(
      async () => {
        await withinBudget(connectionId, { perSecond: settings.requestsPerSecond }, signal);
        return run();
      },
      classify,
      { signal },
    );
  } catch (error) {
    throw reason(error, what);
  }
}

/** The REST client for a connection: its credentials, timeout and the caller's abort signal. */
export function client(settings: ApiSettings, secrets: ApiSecrets, signal: AbortSignal) {
  if (!secrets.consumerKey || !secrets.consumerSecret) {
    throw new Error(
      'calling the WooCommerce API needs secrets.consumerKey and secrets.consumerSecret (WooCommerce › Settings › Advanced › REST API)',
    );
  }
  return new WooCommerceRestApi({
    url: settings.siteUrl,
    consumerKey: secrets.consumerKey,
    consumerSecret: secrets.consumerSecret,
    version: 'wc/v3',
    timeout: settings.timeoutSeconds * 1000,
    axiosConfig: { signal },
  });
}

interface Cursor {
  /** The latest modification time seen so far; the next request asks for what changed after it (less 1 s). */
  after: string | null;
  /** Only while many orders share one second: the page within that second's listing. */
  page: number;
}

/**
 * Orders modified after `since`, oldest change first, by keyset on the modification
 * time: each request asks for what changed after the last time seen, so an order that
 * changes during the sync moves ahead of the position instead of shifting the pages
 * behind it (page numbers would skip an order then). A second of overlap comes back
 * each time and is absorbed by dedupe; when a whole page sits within one second, the
 * next request pages within it.
 */
export async function* pullOrders(
  connectionId: string,
  settings: ApiSettings,
  secrets: ApiSecrets,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  const api = client(settings, secrets, request.signal);
  let cursor: Cursor = request.cursor
    ? (JSON.parse(request.cursor) as Cursor)
    : { after: request.since ? request.since.toISOString() : null, page: 1 };
  for (;;) {
    const params: Record<string, string | number | boolean> = {
      orderby: 'modified',
      order: 'asc',
      per_page: settings.pageSize,
      page: cursor.page,
    };
    if (cursor.after) {
      params.modified_after = new Date(Date.parse(cursor.after) - 1000).toISOString();
      params.dates_are_gmt = true;
    }
    const response = (await send(connectionId, settings, request.signal, 'orders', () =>
      api.get('orders', params),
    )) as { data: unknown; headers: Record<string, string | undefined> };
    if (!Array.isArray(response.data)) {
      // An answer that is not a list (a login page, a site without WooCommerce) must not end the sync as if all were read.
      throw new Error(
        `WooCommerce orders answered ${typeof response.data} instead of a list of orders: check that siteUrl (${settings.siteUrl}) is the shop's address and WooCommerce is active`,
      );
    }
    const orders = response.data as { id: number; date_modified_gmt?: string }[];
    let latest = cursor.after;
    for (const o of orders) {
      const modified = o.date_modified_gmt ? new Date(gmt(o.date_modified_gmt)).toISOString() : null;
      if (modified && (!latest || modified > latest)) latest = modified;
    }
    const full = orders.length >= settings.pageSize;
    // Progress moves the keyset; a full page inside one second pages within it.
    const next: Cursor | null = !full
      ? null
      : latest &&
          cursor.after &&
          Math.floor(Date.parse(latest) / 1000) <= Math.floor(Date.parse(cursor.after) / 1000)
        ? { after: cursor.after, page: cursor.page + 1 }
        : { after: latest, page: 1 };
    yield {
      records: orders.map((o) => record(o)),
      cursor: next ? JSON.stringify(next) : null,
      ...(latest ? { watermark: latest } : {}),
      // X-WP-Total counts this request's listing (what changed after the position): what is left after this page.
      ...(response.headers['x-wp-total']
        ? { remaining: Math.max(0, Number(response.headers['x-wp-total']) - orders.length) }
        : {}),
    };
    if (!next) return;
    cursor = next;
  }
}

/** One pulled order, keyed as its webhook delivery is (see dedupeKey in index.ts). */
function record(order: { id: number; date_modified_gmt?: string }) {
  const body = new Uint8Array(Buffer.from(JSON.stringify(order)));
  return { dedupeKey: orderKey(order, body), body, contentType: 'application/json' };
}

/**
 * Order id and modification time, plus a digest of the body: Woo's times have one-second
 * precision, and two states saved within a second must not share a key.
 */
export function orderKey(order: { id: number; date_modified_gmt?: unknown }, body: Uint8Array): string {
  return `order:${order.id}@${String(order.date_modified_gmt)}#${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
}
