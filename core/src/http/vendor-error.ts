import { HubError } from '../errors.ts';

/**
 * A vendor call that failed: the vendor answered with an error, timed out, or could not be reached. It is a
 * HubError (an RFC 9457 problem that says what to do) that also tells the retry loop and the workflow what
 * they need: the vendor's status and code, whether another try may succeed, and which call it was, as
 * `METHOD /path?query` with secret query values replaced. It never carries a credential: the text is scrubbed
 * of every value the client's auth produced before it is built, and the request itself is not kept.
 */
export class VendorError extends HubError {
  override name = 'VendorError';
  readonly vendor: string;
  /** The vendor's HTTP status; undefined when no answer came (timeout, refused connection). */
  readonly status: number | undefined;
  /** The vendor's own error code (from its body), or `timeout` / the network error's code. */
  readonly code: string | undefined;
  /** Whether another attempt may succeed (429, 5xx, timeouts, dropped connections). */
  readonly retryable: boolean;
  /** The opposite of retryable, read by workflow steps (`isPermanent`): fail now, park for a person. */
  readonly permanent: boolean;
  /** `GET /wp-json/wc/v3/orders?consumer_key=[redacted]`. */
  readonly request: string;
  /** How long the vendor asked us to wait (Retry-After or its rate headers), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    vendor: string;
    request: string;
    what?: string | undefined;
    status?: number | undefined;
    code?: string | undefined;
    message: string;
    retryable: boolean;
    retryAfterMs?: number | undefined;
    fix?: string | undefined;
  }) {
    const what = init.what ?? init.request;
    const answer = [init.status === undefined ? '' : `HTTP ${init.status}`, init.code ? `(${init.code})` : '']
      .filter(Boolean)
      .join(' ');
    super({
      type: 'vendor-call-failed',
      title: `${init.vendor} call failed`,
      status: 502,
      // A refusal of the credentials says so in its first words: it is the one failure a person must mend.
      detail: `${init.vendor} ${init.status === 401 || init.status === 403 ? `refused the credentials for ${what}` : `${what} failed`}: ${[answer, init.message].filter(Boolean).join(': ')}`,
      ...(init.fix ? { fix: init.fix } : {}),
      vendorStatus: init.status,
      vendorCode: init.code,
      request: init.request,
    });
    this.vendor = init.vendor;
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    this.permanent = !init.retryable;
    this.request = init.request;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Query parameters whose values never appear in an error or a log line, whatever the connector says. */
const SECRET_PARAM = /key|secret|token|signature|password|passwd|credential|^sig$|^code$|^auth/i;

/** `METHOD /path?query` with the values of secret-looking (and the named) query parameters redacted. */
export function describeRequest(method: string, url: URL, secretParams: Iterable<string> = []): string {
  const named = new Set([...secretParams].map((p) => p.toLowerCase()));
  const query = [...url.searchParams]
    .map(([k, v]) =>
      named.has(k.toLowerCase()) || SECRET_PARAM.test(k)
        ? `${k}=[redacted]`
        : `${k}=${encodeURIComponent(v)}`,
    )
    .join('&');
  return `${method.toUpperCase()} ${url.pathname}${query ? `?${query}` : ''}`;
}

/**
 * Removes each secret from a text. Short values (under 6 characters) are left alone: they would blank out
 * ordinary words, and no real credential is that short. A header value's parts are scrubbed too
 * (`Bearer abc…` also hides `abc…`; Basic auth also hides the decoded `user:password` and its password).
 */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  const all = new Set<string>();
  for (const s of secrets) for (const part of secretParts(s)) all.add(part);
  // Longest first, so a secret containing another is removed whole.
  for (const s of [...all].sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  return out;
}

function secretParts(value: string): string[] {
  const parts = [value, ...value.split(/\s+/)];
  const basic = /^basic\s+(\S+)$/i.exec(value.trim());
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    parts.push(decoded, ...decoded.split(':'));
  }
  return parts.filter((p) => p.length >= 6);
}
