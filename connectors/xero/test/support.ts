import { randomUUID } from 'node:crypto';
import {
  type ActionContext,
  type AuthorizedAccess,
  type BooksDocument,
  type ConnectionContext,
  ReconnectNeededError,
} from '@switchyard/core';
import { authorization } from '../src/authorization.ts';
import { xero } from '../src/index.ts';
import type { Secrets, Settings } from '../src/settings.ts';
import { type FakeXero, fakeXero } from './fakes/index.ts';
import type { FakeXeroOptions } from './fakes/state.ts';

/** A fake Xero with an organisation of its own (each test its own budget at the hub and limits at the fake). */
export function freshFake(options: FakeXeroOptions = {}): FakeXero {
  return fakeXero({ tenants: [{ tenantId: randomUUID(), tenantName: 'Acme Outdoor Ltd' }], ...options });
}

export function settingsFor(fake: FakeXero, extra: Record<string, unknown> = {}): Settings {
  return xero.settings.parse({
    clientId: fake.clientId,
    apiOrigin: fake.apiOrigin,
    identityOrigin: fake.identityOrigin,
    loginOrigin: fake.loginOrigin,
    ...extra,
  });
}

export const secretsFor = (fake: FakeXero): Secrets => ({
  clientSecret: fake.clientSecret,
  webhookKey: fake.webhookKey,
});

/**
 * The hub's side of a grant, as a test needs it: the fake's first tokens, refreshed with the connector's own
 * `authorization.refresh` when a call was refused (the rotated refresh token kept), and "reconnect needed" once
 * Xero refuses the refresh token.
 */
export function grantOn(fake: FakeXero, tenantId = fake.tenants[0]!.tenantId) {
  const issued = fake.issueGrant([tenantId]);
  const held = { access: issued.accessToken, refresh: issued.refreshToken, valid: true, refreshes: 0 };
  const base: ConnectionContext<Settings, Secrets> = {
    tenantId: 'merchant',
    connectionId: 'xero-books',
    settings: settingsFor(fake),
    secrets: secretsFor(fake),
    now: () => new Date(),
  };
  const access: AuthorizedAccess & { held: typeof held } = {
    held,
    async token(signal) {
      if (!held.valid) {
        try {
          const granted = await authorization.refresh(
            base,
            held.refresh,
            signal ?? AbortSignal.timeout(10_000),
          );
          Object.assign(held, { access: granted.accessToken, refresh: granted.refreshToken, valid: true });
          held.refreshes++;
        } catch (error) {
          if ((error as { code?: string }).code === 'invalid_grant') {
            throw new ReconnectNeededError(base.connectionId, 'Xero refused its refresh token');
          }
          throw error;
        }
      }
      return { accessToken: held.access, account: tenantId };
    },
    invalidate(token) {
      if (token === held.access) held.valid = false;
    },
  };
  return access;
}

/** The context of one action: the connection, its grant, the step's idempotency key. */
export function actionContext(
  fake: FakeXero,
  access: AuthorizedAccess,
  idempotencyKey = `wf_${randomUUID()}:post-books`,
  signal: AbortSignal = new AbortController().signal,
): ActionContext<Settings, Secrets> {
  return {
    tenantId: 'merchant',
    connectionId: 'xero-books',
    settings: settingsFor(fake),
    secrets: secretsFor(fake),
    now: () => new Date('2026-12-04T12:00:00Z'),
    authorization: access,
    idempotencyKey,
    signal,
  };
}

/** Posts a document with the connector's action. */
export const post = (context: ActionContext<Settings, Secrets>, document: BooksDocument) =>
  xero.actions!.postDocument!(context, { document });

/** Replaces each UUID by its order of appearance (`<id-1>`…), so a golden holds no random ids. */
export function stableIds(value: unknown): unknown {
  const seen = new Map<string, string>();
  const text = JSON.stringify(value, null, 2).replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
    (id) => {
      if (!seen.has(id)) seen.set(id, `<id-${seen.size + 1}>`);
      return seen.get(id)!;
    },
  );
  return JSON.parse(text);
}
