import { type Budget, withinBudget } from '../budget.ts';
import { abortableSleep, type RetryPolicy, retryAfterMs, withRetries } from '../retry.ts';
import { heldFor, holdConnection, type RateHeaderReader, standardRateHeaders } from './rate-headers.ts';
import { describeRequest, scrub, VendorError } from './vendor-error.ts';

/**
 * The vendor HTTP client every connector's `client.ts` builds on: `fetch` with the connection's request budget,
 * a timeout per attempt, retries with backoff that honour Retry-After and the vendor's rate headers, errors in
 * words that never carry a credential, 204 and 404 handled, and every response body read or cancelled (an
 * unread body holds its connection, and under msw hangs the test).
 */
export interface VendorClientOptions {
  /** The vendor's name as a merchant knows it, for error wording ("WooCommerce"). */
  vendor: string;
  /** Where relative paths resolve ("https://shop.example/wp-json/wc/v3"). */
  baseUrl: string;
  /**
   * The credentials of one attempt, as headers. It may also add query parameters to `url` (API keys in the
   * query, OAuth 1 signatures); their values are redacted like the headers'. Not called for an absolute URL
   * on another origin (a signed download link): credentials go only to the vendor.
   */
  auth?: (request: { method: string; url: URL }) => Record<string, string> | Promise<Record<string, string>>;
  /** Headers sent on every call that are not credentials (user agent, API version). */
  headers?: Record<string, string>;
  /** The connection's request budget; `key` is the connection id (shared by every client of the connection). */
  budget?: Budget & { key: string };
  /** Per attempt, including reading the body (default 30 s). */
  timeoutMs?: number;
  retry?: VendorRetryPolicy;
  /** How long the connection holds after an answer, from the vendor's rate headers (default: the common ones). */
  rateHeaders?: RateHeaderReader | false;
  /** Query parameter names and literal values that must never appear in errors and logs (beyond auth's). */
  redact?: { query?: string[]; values?: string[] };
  /**
   * The vendor's own reading of an answer: its error code and message from the body, a retry decision that
   * differs from the status (a 200 carrying THROTTLED), what to do. Called on every answer with a body;
   * returning a problem for a 2xx makes it a failure.
   */
  problem?: (answer: VendorAnswer) => VendorProblem | undefined;
  /** JSON parser for `json` (for example one that keeps ids beyond 2^53 exact). */
  parseJson?: (text: string) => unknown;
  fetch?: typeof fetch;
  /** The clock, for Retry-After dates and rate holds; tests pass a fake. */
  now?: () => number;
  /** One line per failed attempt: vendor, request (redacted), status, code, attempt, retryable. */
  log?: (message: string, fields: Record<string, unknown>) => void;
  /** The connection the calls are made for, in observations (default: the budget's key, the connection id). */
  connection?: string;
}

/**
 * One attempt of a vendor call, as the observers registered with `observeVendorCalls` are told it: after its
 * answer was read (or it failed). Nothing in it identifies the request beyond the vendor and the connection.
 */
export interface VendorCall {
  vendor: string;
  connection?: string;
  method: string;
  /** The HTTP status; absent when no answer came (network error, timeout). */
  status?: number;
  /** The vendor's error code or ours ('timeout', 'network', ECONNREFUSED…), for a failed attempt. */
  code?: string;
  ok: boolean;
  /** Refused for the rate: a 429, or a vendor's own throttling code in a 200 (Shopify's THROTTLED). */
  throttled: boolean;
  durationMs: number;
}

export type VendorCallObserver = (call: VendorCall) => void;
const observers = new Set<VendorCallObserver>();

/**
 * Tells `observer` of every vendor call attempt made by any client in this process (the hub's metrics and
 * connection health). Answers the function that stops telling it. An observer that throws is ignored: it
 * never fails a call.
 */
export function observeVendorCalls(observer: VendorCallObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

function tellObservers(call: VendorCall) {
  for (const observer of observers) {
    try {
      observer(call);
    } catch {
      // An observer's failure is its own: the call goes on.
    }
  }
}

const THROTTLED_CODE = /throttl|rate.?limit/i;

export interface VendorRetryPolicy extends Omit<RetryPolicy, 'signal'> {
  /** Statuses worth another try (default 408, 429, 500, 502, 503, 504). */
  statuses?: number[];
}

export interface VendorProblem {
  code?: string;
  message?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  fix?: string;
}

/** An answer with its body read in full. */
export interface VendorAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface VendorRequest {
  query?: Record<string, string | number | boolean | null | undefined>;
  /** A JSON body (sets content-type). */
  json?: unknown;
  /** A raw body; set its content-type in `headers`. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** What the call is, for error wording ("orders page", "label purchase"); default the method and path. */
  what?: string;
  /** `undefined`: a 404 is an answer (the resource does not exist), not an error. */
  notFound?: 'error' | 'undefined';
  /**
   * Whether repeating the call cannot repeat its effect. GET, HEAD, PUT, DELETE and OPTIONS are; a POST is when
   * it carries an idempotency key. Only 429 (refused before any effect) is retried for a call that is not.
   */
  idempotent?: boolean;
  retry?: false | VendorRetryPolicy;
  timeoutMs?: number;
}

export interface VendorClient {
  /** The answer with its body read; undefined only for a 404 asked as `notFound: 'undefined'`. */
  request(
    method: string,
    path: string,
    options: VendorRequest & { notFound: 'undefined' },
  ): Promise<VendorAnswer | undefined>;
  request(method: string, path: string, options?: VendorRequest): Promise<VendorAnswer>;
  /** The body parsed as JSON; undefined for 204 or an empty body, and for a 404 asked as `notFound: 'undefined'`. */
  json<T>(
    method: string,
    path: string,
    options: VendorRequest & { notFound: 'undefined' },
  ): Promise<T | undefined>;
  json<T>(method: string, path: string, options?: VendorRequest): Promise<T>;
}

const RETRY_STATUSES = [408, 429, 500, 502, 503, 504];
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Network failures where nothing reached the vendor: safe to repeat whatever the method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

type Failure = Omit<ConstructorParameters<typeof VendorError>[0], 'vendor' | 'request' | 'what'>;
interface Attempt {
  idempotent: boolean;
  statuses: number[];
  parse: boolean;
}
/** An answer, and its parsed JSON when `json` asked for it. */
type Parsed = VendorAnswer & { data?: unknown };

class TimeoutSignal extends Error {
  override name = 'TimeoutError';
}

export function createVendorClient(options: VendorClientOptions): VendorClient {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = new URL(options.baseUrl.replace(/\/*$/, '/'));
  const holdKey = options.budget?.key ?? `${options.vendor}:${base.origin}`;
  const readRate = options.rateHeaders === false ? undefined : (options.rateHeaders ?? standardRateHeaders);

  async function send(method: string, path: string, o: VendorRequest = {}, parse = false) {
    const verb = method.toUpperCase();
    const retry = o.retry === false ? { attempts: 1 } : { ...options.retry, ...o.retry };
    const idempotent = o.idempotent ?? IDEMPOTENT_METHODS.has(verb);
    const sleep = retry.sleep ?? abortableSleep;
    return withRetries(
      () => attempt(verb, path, o, { idempotent, statuses: retry.statuses ?? RETRY_STATUSES, sleep, parse }),
      (error) =>
        error instanceof VendorError && !o.signal?.aborted
          ? {
              retry: error.retryable,
              ...(error.retryAfterMs !== undefined ? { afterMs: error.retryAfterMs } : {}),
            }
          : { retry: false },
      { ...retry, ...(o.signal ? { signal: o.signal } : {}) },
    );
  }

  async function attempt(
    method: string,
    path: string,
    o: VendorRequest,
    p: Attempt & { sleep: NonNullable<RetryPolicy['sleep']> },
  ): Promise<Parsed | undefined> {
    const held = heldFor(holdKey, now());
    if (held > 0) await p.sleep(held, o.signal);
    if (options.budget) await withinBudget(options.budget.key, options.budget, o.signal);

    const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(path.replace(/^\/+/, ''), base);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v != null) url.searchParams.set(k, String(v));
    const before = new Set(url.searchParams.keys());
    const credentials = options.auth && url.origin === base.origin ? await options.auth({ method, url }) : {};
    const secretParams = [...(options.redact?.query ?? [])];
    const secrets = [...Object.values(credentials), ...(options.redact?.values ?? [])];
    for (const [k, v] of url.searchParams) {
      if (!before.has(k)) {
        secretParams.push(k);
        secrets.push(v);
      }
    }
    const request = describeRequest(method, url, secretParams);
    const began = now();
    const observe = (status: number | undefined, code: string | undefined, ok: boolean) => {
      if (!observers.size) return;
      const connection = options.connection ?? options.budget?.key;
      tellObservers({
        vendor: options.vendor,
        ...(connection !== undefined ? { connection } : {}),
        method,
        ...(status !== undefined ? { status } : {}),
        ...(code !== undefined ? { code } : {}),
        ok,
        throttled: status === 429 || (code !== undefined && THROTTLED_CODE.test(code)),
        durationMs: Math.max(0, now() - began),
      });
    };
    const fail = (init: Failure) => {
      const error = new VendorError({
        ...init,
        message: scrub(init.message, secrets),
        vendor: options.vendor,
        request,
        what: o.what,
      });
      observe(error.status, error.code, false);
      options.log?.('vendor call failed', {
        vendor: options.vendor,
        request,
        status: error.status,
        code: error.code,
        retryable: error.retryable,
      });
      return error;
    };

    const timeoutMs = o.timeoutMs ?? options.timeoutMs ?? 30_000;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new TimeoutSignal()), timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout.signal]) : timeout.signal;
    let response: Response | undefined;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          ...(o.json !== undefined ? { 'content-type': 'application/json' } : {}),
          accept: 'application/json',
          ...options.headers,
          ...o.headers,
          ...credentials,
        },
        ...(o.json !== undefined
          ? { body: JSON.stringify(o.json) }
          : o.body !== undefined
            ? { body: o.body }
            : {}),
        signal,
      });
      const answered = await answer(response, o, p, fail);
      observe(response.status, undefined, true);
      return answered;
    } catch (error) {
      if (error instanceof VendorError) throw error;
      if (o.signal?.aborted) throw o.signal.reason;
      if (timeout.signal.aborted) {
        throw fail({
          code: 'timeout',
          message: `no answer within ${timeoutMs} ms`,
          retryable: p.idempotent,
        });
      }
      // fetch says only "fetch failed"; the reason is its cause (ECONNREFUSED, a TLS error).
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? 'network';
      throw fail({
        code,
        message: `could not reach ${url.origin}: ${cause?.message ?? (error as Error).message}`,
        retryable: p.idempotent || NOT_SENT.has(code),
      });
    } finally {
      clearTimeout(timer);
      // Whatever happened, the body is not left open. Cancelled, not awaited: the promise of cancel() may
      // never settle (it does not under msw's interceptor), while the stream is released at once.
      if (response?.body && !response.bodyUsed) response.body.cancel().catch(() => {});
    }
  }

  async function answer(
    response: Response,
    o: VendorRequest,
    p: Attempt,
    fail: (init: Failure) => VendorError,
  ): Promise<Parsed | undefined> {
    const rateWait = readRate?.({ status: response.status, headers: response.headers }, now());
    if (rateWait !== undefined && rateWait > 0) holdConnection(holdKey, now() + rateWait);
    if (response.status === 404 && o.notFound === 'undefined') return undefined;
    const text = response.status === 204 || response.status === 205 ? '' : await response.text();
    const result: VendorAnswer = { status: response.status, headers: response.headers, text };
    let problem: VendorProblem | undefined;
    try {
      problem = options.problem?.(result);
    } catch {
      // A reader that cannot read this body (HTML from a proxy) leaves the status to speak.
    }
    if (response.ok && !problem) {
      if (!p.parse || !text.trim()) return result;
      try {
        return { ...result, data: (options.parseJson ?? JSON.parse)(text) };
      } catch {
        throw fail({
          status: response.status,
          code: 'invalid-json',
          message: `the answer is not JSON: ${excerpt(text)}`,
          retryable: false,
          fix: `check that the connection's address (${base.origin}) is the vendor's API`,
        });
      }
    }
    const after =
      problem?.retryAfterMs ?? retryAfterMs(response.headers.get('retry-after'), now()) ?? rateWait;
    if (after !== undefined && after > 0) holdConnection(holdKey, now() + after);
    const refused = response.status === 401 || response.status === 403;
    throw fail({
      status: response.status,
      code: problem?.code,
      message: problem?.message ?? excerpt(text),
      retryable:
        problem?.retryable ??
        (p.statuses.includes(response.status) && (response.status === 429 || p.idempotent)),
      retryAfterMs: after,
      fix:
        problem?.fix ??
        (refused ? "check the connection's credentials and that they allow this call" : undefined),
    });
  }

  return {
    request: ((method: string, path: string, o?: VendorRequest) =>
      send(method, path, o)) as VendorClient['request'],
    json: (async (method: string, path: string, o?: VendorRequest) =>
      (await send(method, path, o, true))?.data) as VendorClient['json'],
  };
}

/** The start of a body, on one line, for an error message. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
