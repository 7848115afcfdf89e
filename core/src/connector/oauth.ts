import { createHash } from 'node:crypto';
import { describeError } from '../errors.ts';

/**
 * Access tokens minted from a longer-lived credential (Login with Amazon's refresh token, eBay's user refresh
 * token, Walmart's client credentials): one per connection and purpose, cached until shortly before it expires,
 * minted by one caller at a time (concurrent callers share the mint in flight, so a burst of calls costs one
 * token request: eBay counts them per app per day). What each is doing is kept for the connection's health.
 */

/** What the vendor's token endpoint answered. */
export interface MintedToken {
  accessToken: string;
  /** The token's lifetime as the vendor states it (`expires_in`). */
  expiresInSeconds: number;
}

export interface TokenSourceOptions {
  /** The connection the token is for (health groups by it). */
  connection: string;
  /** What the token is, in words: "LWA access token", "application token". */
  name: string;
  /**
   * What the token is minted from (client id, refresh token…): a source whose identity changes (new secrets
   * in the config) starts afresh. Hashed; never kept or shown.
   */
  identity: string;
  /**
   * Asks the vendor for a new token. Throws on failure; a VendorError with code `invalid_grant` or
   * `invalid_client` (the credential was revoked, expired or rotated) marks the connection "reconnect needed".
   */
  mint(signal?: AbortSignal): Promise<MintedToken>;
  /** Mint again this long before expiry (default 60 s, at most a tenth of the lifetime). */
  refreshBeforeMs?: number;
  /** An early warning for the connection's health, read when it is shown (a client secret due for rotation). */
  notice?: () => string | undefined;
  now?: () => number;
}

export interface TokenSource {
  /**
   * A token valid for at least the refresh margin: the cached one, or a new one minted once for all waiters.
   * `signal` gives up this caller's wait only: the mint goes on for the others (under its own time limit).
   */
  token(signal?: AbortSignal): Promise<string>;
  /**
   * Forgets the cached token because the vendor refused it (a 401): the next call mints a new one. Pass the
   * refused token: one refused after a newer one was minted does not throw the newer one away.
   */
  invalidate(refused?: string): void;
}

/** A token source's state, as connection health shows it. */
export interface TokenState {
  name: string;
  /**
   * `none`: not minted yet; `valid`; `expired`: not used since it expired (minted again on the next call);
   * `failed`: the last mint failed, to be tried again; `reconnect-needed`: the vendor refused the credential
   * itself (a person must authorize the connection again or rotate the secret).
   */
  state: 'none' | 'valid' | 'expired' | 'failed' | 'reconnect-needed';
  expiresAt?: string;
  mintedAt?: string;
  /** The last mint's failure, in words (never a credential: VendorErrors are scrubbed). */
  error?: string;
  /** An early warning (TokenSourceOptions.notice). */
  notice?: string;
}

/** Told of every mint and failed mint of any token source in the process (the hub keeps them in the store). */
export type TokenStateObserver = (connection: string, state: TokenState) => void;
const observers = new Set<TokenStateObserver>();

/** Tells `observer` of each token source's new state; answers the function that stops telling it. */
export function observeTokenStates(observer: TokenStateObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Codes of a token endpoint that mean the credential itself is refused (OAuth 2.0, RFC 6749 §5.2). */
const RECONNECT_CODES = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);
/** A mint's own time limit: no caller's abort ends it, so it needs one of its own. */
const MINT_TIMEOUT_MS = 60_000;
/** After a failed mint, calls fail at once with its error for this long (doubling to a minute) instead of asking again. */
const FAILED_MINT_PAUSE_MS = 2_000;
const MAX_FAILED_MINT_PAUSE_MS = 60_000;

interface Entry {
  identity: string;
  options: TokenSourceOptions;
  token?: { value: string; expiresAt: number; mintedAt: number };
  minting?: Promise<string>;
  failure?: { error: unknown; message: string; reconnect: boolean; until: number; pauseMs: number };
}

const sources = new Map<string, Entry>();
const keyOf = (connection: string, name: string) => `${connection}\u0000${name}`;

/**
 * The connection's token source for `name`: the same one for every client made for it in this process. A
 * credential the vendor refused ("reconnect needed") is not offered again until the configuration gives a new
 * one (a new `identity`); after another failure the next calls fail at once for a short, growing pause, so a
 * burst of calls does not become a burst of token requests.
 */
export function tokenSource(options: TokenSourceOptions): TokenSource {
  const key = keyOf(options.connection, options.name);
  const identity = createHash('sha256').update(options.identity).digest('hex');
  let entry = sources.get(key);
  if (!entry || entry.identity !== identity) {
    entry = { identity, options };
    sources.set(key, entry);
  } else entry.options = options;
  const held = entry;
  const now = () => (held.options.now ?? Date.now)();
  const tell = () => {
    const state = stateOf(held, now());
    for (const observer of observers) {
      try {
        observer(held.options.connection, state);
      } catch {
        // An observer's failure is its own.
      }
    }
  };

  const mint = (): Promise<string> => {
    if (held.minting) return held.minting;
    const self: { attempt?: Promise<string> } = {};
    const attempt = (async () => {
      await null; // a mint that throws at once still rejects this promise, never the caller's frame
      try {
        const minted = await held.options.mint(AbortSignal.timeout(MINT_TIMEOUT_MS));
        const at = now();
        held.token = {
          value: minted.accessToken,
          expiresAt: at + Math.max(1, minted.expiresInSeconds) * 1000,
          mintedAt: at,
        };
        delete held.failure;
        tell();
        return minted.accessToken;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const pauseMs = Math.min(
          MAX_FAILED_MINT_PAUSE_MS,
          (held.failure?.pauseMs ?? FAILED_MINT_PAUSE_MS / 2) * 2,
        );
        const reconnect = typeof code === 'string' && RECONNECT_CODES.has(code);
        held.failure = {
          error,
          message: describeError(error),
          reconnect,
          until: reconnect ? Number.POSITIVE_INFINITY : now() + pauseMs,
          pauseMs,
        };
        tell();
        throw error;
      } finally {
        if (held.minting === self.attempt) delete held.minting;
      }
    })();
    self.attempt = attempt;
    held.minting = attempt;
    return attempt;
  };

  const wait = (minting: Promise<string>, signal?: AbortSignal): Promise<string> => {
    if (!signal) return minting;
    signal.throwIfAborted();
    return new Promise<string>((resolve, reject) => {
      const abort = () => reject(signal.reason);
      signal.addEventListener('abort', abort, { once: true });
      minting.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    });
  };

  return {
    async token(signal) {
      const cached = held.token;
      if (cached) {
        const lifetime = cached.expiresAt - cached.mintedAt;
        const margin = Math.min(held.options.refreshBeforeMs ?? 60_000, lifetime / 10);
        if (now() < cached.expiresAt - margin) return cached.value;
      }
      if (held.failure && !held.minting && now() < held.failure.until) throw held.failure.error;
      return wait(mint(), signal);
    },
    invalidate(refused) {
      if (refused === undefined || held.token?.value === refused) delete held.token;
    },
  };
}

function stateOf(entry: Entry, at: number): TokenState {
  const { token, failure } = entry;
  let notice: string | undefined;
  try {
    notice = entry.options.notice?.();
  } catch (error) {
    notice = `could not tell: ${describeError(error)}`;
  }
  const state: TokenState['state'] = failure
    ? failure.reconnect
      ? 'reconnect-needed'
      : 'failed'
    : !token
      ? 'none'
      : token.expiresAt > at
        ? 'valid'
        : 'expired';
  return {
    name: entry.options.name,
    state,
    ...(token
      ? {
          expiresAt: new Date(token.expiresAt).toISOString(),
          mintedAt: new Date(token.mintedAt).toISOString(),
        }
      : {}),
    ...(failure ? { error: failure.message } : {}),
    ...(notice ? { notice } : {}),
  };
}

/** The states of a connection's token sources in this process, by name. */
export function tokenStates(connection: string, at: number = Date.now()): TokenState[] {
  const states: TokenState[] = [];
  for (const [key, entry] of sources)
    if (key.startsWith(`${connection}\u0000`)) states.push(stateOf(entry, at));
  return states;
}

/** Forgets every token source (tests that start hubs one after another in one process). */
export function forgetTokenSources(): void {
  sources.clear();
}
