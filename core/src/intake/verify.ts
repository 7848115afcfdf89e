import {
  authModeOf,
  type InboundRequest,
  type VerificationKey,
  type VerifyResult,
} from '../connector/index.ts';
import { describeError, HubError } from '../errors.ts';
import { type Connection, connectionContext } from './connection.ts';

/**
 * Vendors' public keys by connection and key id, each kept for the connector's `cacheMs` (default one hour): a
 * key is fetched once, not per delivery, and concurrent deliveries signed with a new key share one fetch.
 */
export class VerificationKeys {
  readonly #keys = new Map<string, { key: Promise<VerificationKey>; until: number }>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  get(
    connection: Connection,
    keyId: string,
    fetch: (signal: AbortSignal) => Promise<VerificationKey>,
    cacheMs: number,
  ) {
    const id = `${connection.id}\u0000${keyId}`;
    const now = this.#clock();
    const cached = this.#keys.get(id);
    if (cached && cached.until > now) return cached.key;
    const key = fetch(AbortSignal.timeout(10_000));
    this.#keys.set(id, { key, until: now + cacheMs });
    // A failed fetch is not kept: the next delivery asks again.
    key.catch(() => this.#keys.delete(id));
    if (this.#keys.size > 1000) this.#keys.delete(this.#keys.keys().next().value!);
    return key;
  }
}

const sharedKeys = new VerificationKeys();

/**
 * Verifies a delivery that came over HTTP, in its connector's auth mode: `hmac` and `token` by `verify` alone;
 * `public-key` after fetching (or finding cached) the key the request names; `queue` never (its notifications
 * are read from the queue, not received). Throws a 503 HubError when the key cannot be fetched now, so the
 * sender tries again later rather than dropping a genuine delivery.
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
    throw new HubError({
      type: 'verification-key-unavailable',
      title: 'Signing key unavailable',
      status: 503,
      detail: `the ${connection.connector.title} public key "${keyId}" that signed this delivery could not be fetched: ${describeError(error)}`,
      fix: 'nothing to do for the sender: send the delivery again later; if it lasts, check the connection’s credentials for the key service',
    });
  }
  return webhook.verify(request, context, { publicKey });
}
