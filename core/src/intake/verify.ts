import {
  authModeOf,
  type InboundRequest,
  type VerificationKey,
  type VerifyResult,
} from '../connector/index.ts';
import { describeError, HubError } from '../errors.ts';
import { VendorError } from '../http/vendor-error.ts';
import { type Connection, connectionContext } from './connection.ts';

/**
 * Vendors' public keys by connection and key id, each kept for the connector's `cacheMs` (default one hour): a
 * key is fetched once, not per delivery, and concurrent deliveries signed with a new key share one fetch (at most
 * one fetch of a key in flight per connection and key id). The request naming the key is unauthenticated until
 * the key checks it, so a failed fetch is kept too, for `failureCacheMs` (default 60 s): a forged key id sent
 * again costs no fetch; and after `failureBudget` failed fetches (default 10) of one connection within that
 * time, a key id not seen yet is not fetched either, so random forged key ids cannot spend the connection's
 * request budget at the vendor.
 */
export class VerificationKeys {
  readonly #keys = new Map<string, { key: Promise<VerificationKey>; until: number; settled: boolean }>();
  readonly #failures = new Map<string, number[]>();
  readonly #clock: () => number;
  readonly #failureCacheMs: number;
  readonly #failureBudget: number;

  constructor(
    clock: () => number = () => Date.now(),
    options: { failureCacheMs?: number; failureBudget?: number } = {},
  ) {
    this.#clock = clock;
    this.#failureCacheMs = options.failureCacheMs ?? 60_000;
    this.#failureBudget = options.failureBudget ?? 10;
  }

  get(
    connection: Connection,
    keyId: string,
    fetch: (signal: AbortSignal) => Promise<VerificationKey>,
    cacheMs: number,
  ): Promise<VerificationKey> {
    const id = `${connection.id}\u0000${keyId}`;
    const now = this.#clock();
    const cached = this.#keys.get(id);
    if (cached && (!cached.settled || cached.until > now)) return cached.key;
    const recent = (this.#failures.get(connection.id) ?? []).filter((at) => at > now - this.#failureCacheMs);
    this.#failures.set(connection.id, recent);
    if (recent.length >= this.#failureBudget) {
      return Promise.reject(
        new Error(
          `${recent.length} signing keys of connection "${connection.id}" could not be fetched in the last ${this.#failureCacheMs / 1000} s; no other is fetched until then`,
        ),
      );
    }
    const entry = {
      key: fetch(AbortSignal.timeout(10_000)),
      until: Number.POSITIVE_INFINITY,
      settled: false,
    };
    this.#keys.set(id, entry);
    entry.key.then(
      () => {
        entry.settled = true;
        entry.until = this.#clock() + cacheMs;
      },
      () => {
        entry.settled = true;
        entry.until = this.#clock() + this.#failureCacheMs;
        const failures = this.#failures.get(connection.id) ?? [];
        failures.push(this.#clock());
        this.#failures.set(connection.id, failures);
      },
    );
    this.#evict();
    return entry.key;
  }

  /** Past 1000 keys, forgets the oldest settled one (never one in flight: that would allow a second fetch). */
  #evict() {
    if (this.#keys.size <= 1000) return;
    for (const [id, entry] of this.#keys) {
      if (entry.settled) {
        this.#keys.delete(id);
        return;
      }
    }
  }
}

const sharedKeys = new VerificationKeys();

/**
 * Verifies a delivery that came over HTTP, in its connector's auth mode: `hmac` and `token` by `verify` alone;
 * `public-key` after fetching (or finding cached) the key the request names; `queue` never (its notifications
 * are read from the queue, not received). A key the vendor's key service says does not exist (404) refuses the
 * delivery (a forged or stale key id). Throws a 503 HubError when the key cannot be fetched now, so the sender
 * tries again later rather than dropping a genuine delivery; its detail is generic (the sender is not yet
 * authenticated and learns nothing of the key service), the vendor's answer is its `cause`, for the log.
 */
export async function verifyDelivery(
  connection: Connection,
  request: InboundRequest,
  now: () => Date = () => new Date(),
  keys: VerificationKeys = sharedKeys,
): Promise<VerifyResult> {
  const webhook = connection.connector.webhook;
  if (!webhook) return { ok: false, reason: `connection "${connection.id}" takes no webhooks` };
  const context = connectionContext(connection, now);
  const mode = authModeOf(webhook);
  if (mode === 'queue') {
    return {
      ok: false,
      reason: `connection "${connection.id}" reads its notifications from the ${connection.connector.title} queue; it takes none over HTTP`,
    };
  }
  if (mode !== 'public-key' || !webhook.publicKey) return webhook.verify(request, context);
  const lookup = webhook.publicKey;
  let keyId: string | undefined;
  try {
    keyId = lookup.keyId(request);
  } catch {
    keyId = undefined;
  }
  if (!keyId) return { ok: false, reason: 'the signature names no key id, or there is no signature' };
  let publicKey: VerificationKey;
  try {
    publicKey = await keys.get(
      connection,
      keyId,
      (signal) => lookup.fetch(keyId, context, signal),
      lookup.cacheMs ?? 3_600_000,
    );
  } catch (error) {
    if (error instanceof VendorError && error.status === 404) {
      return {
        ok: false,
        reason: `${connection.connector.title} has no public key "${keyId}", the key id this delivery's signature names`,
      };
    }
    throw new HubError(
      {
        type: 'verification-key-unavailable',
        title: 'Signing key unavailable',
        status: 503,
        detail: 'the public key that signed this delivery cannot be fetched now',
        fix: 'nothing to do for the sender: send the delivery again later',
      },
      {
        cause: new Error(
          `the ${connection.connector.title} public key "${keyId}" could not be fetched: ${describeError(error)}; if it lasts, check the connection's credentials for the key service`,
        ),
      },
    );
  }
  return webhook.verify(request, context, { publicKey });
}
