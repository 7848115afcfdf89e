import type { ConnectionContext } from './request.ts';

/**
 * OAuth 2.0 authorization-code connections (QuickBooks Online, Xero): the merchant authorizes the hub once in
 * the vendor's page (`switchyard connections authorize <id>` or the console), the hub keeps the tokens
 * encrypted, and refreshes them before they expire, one refresh per connection at a time across every hub
 * process, saving the rotated refresh token before the new access token is used. A refused refresh
 * (`invalid_grant`) marks the connection "reconnect needed": its postings wait, parked, until the merchant
 * authorizes it again.
 */

/** What the vendor's token endpoint granted (an exchange of a code, or a refresh). */
export interface GrantedTokens {
  accessToken: string;
  /** `expires_in`. */
  expiresInSeconds: number;
  /** The refresh token to keep: a new value on each refresh where the vendor rotates them (both do). */
  refreshToken: string;
  /** How long the refresh token lasts (QuickBooks `x_refresh_token_expires_in`; Xero: 60 days unused). */
  refreshExpiresInSeconds?: number;
  /**
   * The company the tokens reach: QuickBooks' realm id (the callback's `realmId`), Xero's tenant id (from
   * `GET /connections`). Kept from the exchange; a refresh need not repeat it.
   */
  account?: string;
  /** The company's name, for people (health, the CLI's answer). */
  accountName?: string;
}

/** The vendor's side of the flow, declared by the connector (`authorization` in its definition). */
export interface AuthorizationCodeFlow<Settings, Secrets> {
  /** The vendor's consent page for this connection, to which the merchant is sent. */
  authorizeUrl(
    context: ConnectionContext<Settings, Secrets>,
    input: { state: string; redirectUri: string; codeChallenge: string },
  ): string;
  /**
   * Exchanges the code the vendor's redirect brought for tokens. `query` is the redirect's whole query
   * (QuickBooks adds `realmId`). Xero's tenant is read here (`GET /connections`).
   */
  exchange(
    context: ConnectionContext<Settings, Secrets>,
    input: { code: string; redirectUri: string; codeVerifier: string; query: Record<string, string> },
    signal: AbortSignal,
  ): Promise<GrantedTokens>;
  /**
   * Asks for a new access token with the refresh token. Throws a VendorError with code `invalid_grant` when the
   * refresh token is refused (revoked, expired, or already used): the connection needs a person.
   */
  refresh(
    context: ConnectionContext<Settings, Secrets>,
    refreshToken: string,
    signal: AbortSignal,
  ): Promise<GrantedTokens>;
}

/** What an authorized connection's client gets from the hub (`context.authorization`). */
export interface AuthorizedAccess {
  /**
   * A valid access token and the company it reaches. Refreshes when it is near expiry. Throws
   * `ReconnectNeededError` when the merchant must authorize the connection (again).
   */
  token(signal?: AbortSignal): Promise<{ accessToken: string; account: string }>;
  /** The vendor refused `accessToken` (a 401): the next `token` refreshes. */
  invalidate(accessToken: string): void;
  /**
   * Refreshes now, however fresh the access token is: keeps a quiet grant alive (Xero's refresh token lapses
   * after 60 days unused, QuickBooks' after 100).
   */
  renew?(): Promise<void>;
}

/** The connection has no usable grant: it was never authorized, or the vendor refused its refresh token. */
export class ReconnectNeededError extends Error {
  readonly code = 'reconnect_needed';
  constructor(
    readonly connectionId: string,
    readonly why: string,
  ) {
    super(
      `connection "${connectionId}" needs to be authorized again (${why}): run switchyard connections authorize ${connectionId}, or press Authorize again on its card in the console (Connections)`,
    );
    this.name = 'ReconnectNeededError';
  }
}

/** Whether an error says the connection must be authorized again (thrown by `AuthorizedAccess.token`). */
export function isReconnectNeeded(error: unknown): error is ReconnectNeededError {
  return (
    error instanceof ReconnectNeededError ||
    (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'reconnect_needed')
  );
}
