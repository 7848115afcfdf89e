import type { ActionContext, AuthorizedAccess, ConnectionContext } from '@switchyard/core';
import { quickbooksAuthorization, Secrets, Settings } from '../src/index.ts';
import type { FakeQuickBooks } from './fakes/index.ts';

/** What the tests share: a connection to the fake, and a grant kept as the hub keeps it. */
export function settingsOf(fake: FakeQuickBooks, extra: Record<string, unknown> = {}): Settings {
  return Settings.parse({
    clientId: fake.clientId,
    apiOrigin: fake.apiOrigin,
    oauthOrigin: fake.oauthOrigin,
    authorizeOrigin: fake.authorizeOrigin,
    ...extra,
  });
}

export function secretsOf(fake: FakeQuickBooks): Secrets {
  return Secrets.parse({ clientSecret: fake.clientSecret, webhookVerifierToken: fake.verifierToken });
}

/**
 * An AuthorizedAccess as the hub gives one (what it does, in small): the grant's tokens, refreshed through the
 * connector's own `authorization.refresh` against the fake when a call says its token was refused; the
 * rotated refresh token kept. Counts what happened, for the tests to read.
 */
export function grantedAccess(fake: FakeQuickBooks, realm: string, connectionId = `qbo-${realm}`) {
  const tokens = fake.issueTokens(realm);
  const state = { ...tokens, stale: false, invalidated: [] as string[], refreshes: 0 };
  const context = {
    tenantId: 't',
    connectionId,
    settings: settingsOf(fake),
    secrets: secretsOf(fake),
    now: () => new Date(),
  };
  const access: AuthorizedAccess = {
    async token(signal) {
      if (state.stale) {
        const granted = await quickbooksAuthorization.refresh(
          context,
          state.refreshToken,
          signal ?? new AbortController().signal,
        );
        state.accessToken = granted.accessToken;
        state.refreshToken = granted.refreshToken;
        state.refreshes += 1;
        state.stale = false;
      }
      return { accessToken: state.accessToken, account: realm };
    },
    invalidate(accessToken) {
      state.invalidated.push(accessToken);
      if (accessToken === state.accessToken) state.stale = true;
    },
  };
  return { access, state };
}

let realms = 0;
/** A company of its own for each test: budgets, holds and gates are per company. */
export const newRealmId = () =>
  `93414530${String(Date.now() % 1e6).padStart(6, '0')}${String(realms++).padStart(4, '0')}`;

/** A connection context to the fake for `realm`, authorized. */
export function connectionTo(
  fake: FakeQuickBooks,
  realm: string,
  settings: Record<string, unknown> = {},
): ConnectionContext<Settings, Secrets> & { grant: ReturnType<typeof grantedAccess> } {
  const grant = grantedAccess(fake, realm);
  return {
    tenantId: 't',
    connectionId: `qbo-${realm}`,
    settings: settingsOf(fake, settings),
    secrets: secretsOf(fake),
    now: () => new Date(),
    authorization: grant.access,
    grant,
  };
}

/** An action context on that connection, under `idempotencyKey`. */
export function actionContext(
  connection: ConnectionContext<Settings, Secrets>,
  idempotencyKey = `wf-${Math.random()}:step`,
  signal: AbortSignal = new AbortController().signal,
): ActionContext<Settings, Secrets> {
  return { ...connection, idempotencyKey, signal };
}
