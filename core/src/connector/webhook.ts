import type { WebhookHydration } from './hydrate.ts';
import type { ConnectionContext, InboundRequest } from './request.ts';

/**
 * How a vendor proves that a delivery is its own:
 * - `hmac`: an HMAC of the raw body under a shared secret (Shopify, WooCommerce, Stripe, EasyPost);
 * - `token`: a shared token in a header, compared in constant time (`tokenMatches`); it does not sign the body;
 * - `public-key`: a signature made with the vendor's private key, checked with its public key, which the hub
 *   fetches by key id through `publicKey` and caches (eBay's X-EBAY-SIGNATURE, ECDSA);
 * - `queue`: unsigned notifications the hub reads from a queue it polls (`queue`, e.g. Amazon SQS); nothing
 *   arrives over HTTP, and `verify` checks each message's own claims (the subscription it names).
 */
export type WebhookAuthMode = 'hmac' | 'token' | 'public-key' | 'queue';

/** The auth mode of a webhook: what it declares, `hmac` when it declares none (the mode of every early connector). */
export function authModeOf(webhook: { auth?: WebhookAuthMode }): WebhookAuthMode {
  return webhook.auth ?? 'hmac';
}

/**
 * A failed check answers 401, or 404 when the request is well signed for another
 * account (a webhook from a shop this connection is not for).
 */
export type VerifyResult = { ok: true } | { ok: false; reason: string; status?: 401 | 404 };

/** A vendor's public verification key, as its key service gives it. */
export interface VerificationKey {
  /** The key itself: PEM (SPKI), or the base64 DER some vendors send, as `node:crypto` `createPublicKey` reads it. */
  key: string;
  /** What the vendor says it signs with ("ECDSA", "SHA1"...), when it says. */
  algorithm?: string;
  digest?: string;
}

/** For `public-key` webhooks: which key signed a request, and how to fetch it. The hub caches keys by id. */
export interface PublicKeyLookup<Settings, Secrets> {
  /** The key id the request's signature names (eBay's `kid`); undefined when it names none (then rejected). */
  keyId(request: InboundRequest): string | undefined;
  /** Fetches the key from the vendor; a failure answers the sender 503, so it sends again later. */
  fetch(
    keyId: string,
    context: ConnectionContext<Settings, Secrets>,
    signal: AbortSignal,
  ): Promise<VerificationKey>;
  /** How long a fetched key may be used before it is fetched again (default one hour). */
  cacheMs?: number;
}

/** One message read from a vendor's notification queue. */
export interface QueuedNotification {
  body: Uint8Array;
  contentType: string;
  /** Message attributes `normalize` or `hydrate` rely on, as lower-case header names. */
  headers?: Readonly<Record<string, string>>;
  /** What `acknowledge` needs to delete this message (an SQS receipt handle). */
  receipt: string;
}

/** For `queue` webhooks: the queue the hub polls instead of receiving HTTP. */
export interface NotificationQueue<Settings, Secrets> {
  /** The messages waiting (at most a batch; may long-poll until `signal` aborts); empty when none. */
  receive(context: ConnectionContext<Settings, Secrets>, signal: AbortSignal): Promise<QueuedNotification[]>;
  /** Deletes messages the hub has stored (or refused for good): called only after their commit. */
  acknowledge(
    context: ConnectionContext<Settings, Secrets>,
    receipts: string[],
    signal: AbortSignal,
  ): Promise<void>;
}

export interface WebhookIntake<Settings, Secrets> {
  /** How deliveries prove their sender (see WebhookAuthMode); `hmac` when absent. */
  auth?: WebhookAuthMode;
  /** Media types accepted at `POST /webhooks/:connectionId`; anything else is answered 415. */
  contentTypes: readonly string[];
  /**
   * A vendor's unsigned setup request that must be answered 200 and is not a delivery
   * (WooCommerce's `webhook_id=N` ping on webhook creation). Return the JSON to answer
   * with, or undefined for everything else. Nothing it recognises is stored.
   */
  handshake?(request: InboundRequest): Record<string, unknown> | undefined;
  /**
   * A vendor's endpoint-validation GET on `GET /webhooks/:connectionId` (eBay's `?challenge_code=`, sent when a
   * destination is created or changed): the JSON to answer 200 with, or undefined for a GET it does not
   * recognise (answered 404). `endpointUrl` is the address the vendor was given: `server.publicUrl` +
   * `/webhooks/<id>`, or the request's own URL when no public URL is configured. Pure; nothing is stored.
   */
  challenge?(
    query: URLSearchParams,
    context: ConnectionContext<Settings, Secrets>,
    endpointUrl: string,
  ): Record<string, unknown> | undefined;
  /**
   * The vendor wants bare answers (Xero's intent-to-receive check): 200 with no body once a delivery is stored,
   * 401 with no body for a bad signature, instead of the hub's JSON (and 202 of a deferred intake).
   */
  emptyAnswer?: boolean;
  /**
   * Request headers of this vendor's deliveries that carry credentials (a token, a key), besides the common ones
   * the hub never stores from any sender (`CREDENTIAL_HEADERS`). Matched case-insensitively; never stored in the
   * inbox. A signature over the body is not a credential (it signs that body only) and is kept with it; a
   * `token` mode's header is one.
   */
  credentialHeaders?: readonly string[];
  /**
   * Signature and freshness check on the raw bytes. Must use a constant-time compare. Synchronous for every
   * mode: for `public-key` the hub fetches the key first (`publicKey`) and passes it in `keys`.
   */
  verify(
    request: InboundRequest,
    context: ConnectionContext<Settings, Secrets>,
    keys?: { publicKey?: VerificationKey },
  ): VerifyResult;
  /** Required with `auth: 'public-key'`. */
  publicKey?: PublicKeyLookup<Settings, Secrets>;
  /** Required with `auth: 'queue'`. */
  queue?: NotificationQueue<Settings, Secrets>;
  /**
   * The key under which a delivery is stored once: the provider's event id, or
   * resource id + modification time. Return undefined when the payload carries none
   * (the hub then uses a hash of the body). Must not throw on malformed bodies.
   * For a thin notification, the notification's own id.
   */
  dedupeKey(request: InboundRequest, context: ConnectionContext<Settings, Secrets>): string | undefined;
  /** Thin notifications: the resource each names is fetched after the answer (see WebhookHydration). */
  hydrate?: WebhookHydration<Settings, Secrets>;
  /**
   * Makes the vendor's webhook subscriptions point at `url` (this connection's
   * endpoint on the hub), creating what is missing and repairing what points
   * elsewhere. Idempotent: a second run changes nothing.
   */
  subscribe?(
    context: ConnectionContext<Settings, Secrets>,
    input: { url: string; signal: AbortSignal },
  ): Promise<{ created: string[]; updated: string[]; unchanged: string[] }>;
}
