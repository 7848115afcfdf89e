import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type ConnectionContext, HubError, VendorError } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorization } from '../src/authorization.ts';
import type { Secrets, Settings } from '../src/settings.ts';
import { type FakeXero, fakeXero } from './fakes/index.ts';
import { secretsFor, settingsFor } from './support.ts';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const REDIRECT = 'https://hub.example/connections/xero-books/authorize/callback';
const ACME = { tenantId: randomUUID(), tenantName: 'Acme Outdoor Ltd' };
const ACME_NZ = { tenantId: randomUUID(), tenantName: 'Acme Outdoor NZ' };
let fake: FakeXero;
beforeEach(() => {
  fake = fakeXero({ tenants: [ACME, ACME_NZ] });
  fake.consentTenants = [ACME.tenantId];
  server.resetHandlers(...fake.handlers);
});
const context = (settings: Record<string, unknown> = {}): ConnectionContext<Settings, Secrets> => ({
  tenantId: 'merchant',
  connectionId: 'xero-books',
  settings: settingsFor(fake, settings),
  secrets: secretsFor(fake),
  now: () => new Date(),
});
const signal = () => AbortSignal.timeout(10_000);
/** The error a call failed with (a call that succeeds fails the test). */
const failure = <E>(call: Promise<unknown>) =>
  call.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e as E,
  );

/** The merchant consents in Xero's page: the redirect's code, and the verifier the hub kept. */
async function consent(ctx = context()) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = authorization.authorizeUrl(ctx, {
    state: 'st-1',
    redirectUri: REDIRECT,
    codeChallenge: challenge,
  });
  const answer = await fetch(url, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  const back = new URL(answer.headers.get('location')!);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe('st-1');
  return { code: back.searchParams.get('code')!, verifier, query: Object.fromEntries(back.searchParams) };
}

describe('authorization (OAuth 2.0 code flow with PKCE)', () => {
  it('sends the merchant to Xero`s consent page with the granular scopes and an S256 challenge', () => {
    const url = new URL(
      authorization.authorizeUrl(context(), { state: 's', redirectUri: REDIRECT, codeChallenge: 'abc' }),
    );
    expect(url.origin + url.pathname).toBe(`${fake.loginOrigin}/identity/connect/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: fake.clientId,
      redirect_uri: REDIRECT,
      scope:
        'offline_access accounting.invoices accounting.payments accounting.banktransactions accounting.manualjournals accounting.contacts',
      state: 's',
      code_challenge: 'abc',
      code_challenge_method: 'S256',
    });
  });

  it('exchanges the code and names the organisation the consent reaches', async () => {
    const { code, verifier, query } = await consent();
    const granted = await authorization.exchange(
      context(),
      { code, redirectUri: REDIRECT, codeVerifier: verifier, query },
      signal(),
    );
    expect(granted).toEqual({
      accessToken: expect.stringMatching(/^xero-at-/),
      expiresInSeconds: 1800,
      refreshToken: expect.stringMatching(/^xero-rt-/),
      refreshExpiresInSeconds: 60 * 86_400,
      account: ACME.tenantId,
      accountName: 'Acme Outdoor Ltd',
    });
  });

  it('refuses a code with another verifier (PKCE) as invalid_grant', async () => {
    const { code, query } = await consent();
    const error = await authorization
      .exchange(
        context(),
        { code, redirectUri: REDIRECT, codeVerifier: 'not-the-verifier-0123456789', query },
        signal(),
      )
      .catch((e: unknown) => e as VendorError);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_grant' });
    expect((error as VendorError).message).not.toContain(code);
  });

  it('lists the organisations when the consent reaches several and none is configured', async () => {
    fake.consentTenants = [ACME.tenantId, ACME_NZ.tenantId];
    const { code, verifier, query } = await consent();
    const error = await failure<HubError>(
      authorization.exchange(
        context(),
        { code, redirectUri: REDIRECT, codeVerifier: verifier, query },
        signal(),
      ),
    );
    expect(error).toBeInstanceOf(HubError);
    expect(error.message).toBe(
      `the consent reaches 2 organisations: Acme Outdoor Ltd (${ACME.tenantId}), Acme Outdoor NZ (${ACME_NZ.tenantId}) — set settings.tenantId to the one to post to (the id in brackets), then authorize the connection again`,
    );
  });

  it('takes the configured organisation among several', async () => {
    fake.consentTenants = [ACME.tenantId, ACME_NZ.tenantId];
    const ctx = context({ tenantId: ACME_NZ.tenantId });
    const { code, verifier, query } = await consent(ctx);
    const granted = await authorization.exchange(
      ctx,
      { code, redirectUri: REDIRECT, codeVerifier: verifier, query },
      signal(),
    );
    expect(granted).toMatchObject({ account: ACME_NZ.tenantId, accountName: 'Acme Outdoor NZ' });
  });

  it('refreshes with a single-use refresh token: the new one is answered, the old one refused after', async () => {
    const { code, verifier, query } = await consent();
    const first = await authorization.exchange(
      context(),
      { code, redirectUri: REDIRECT, codeVerifier: verifier, query },
      signal(),
    );
    const second = await authorization.refresh(context(), first.refreshToken, signal());
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const reused = await failure<VendorError>(authorization.refresh(context(), first.refreshToken, signal()));
    expect(reused).toBeInstanceOf(VendorError);
    expect(reused).toMatchObject({ code: 'invalid_grant', permanent: true });
    expect(reused.message).not.toContain(first.refreshToken);
    await expect(authorization.refresh(context(), second.refreshToken, signal())).resolves.toMatchObject({
      refreshToken: expect.any(String),
    });
  });

  it('answers invalid_grant once the merchant disconnected the app', async () => {
    const { refreshToken } = fake.issueGrant([ACME.tenantId]);
    fake.revokeGrants();
    await expect(authorization.refresh(context(), refreshToken, signal())).rejects.toMatchObject({
      code: 'invalid_grant',
    });
  });

  it('refuses a settings without offline_access', () => {
    const parsed = (() => {
      try {
        settingsFor(fake, { scopes: ['accounting.invoices'] });
        return 'accepted';
      } catch (error) {
        return String(error);
      }
    })();
    expect(parsed).toMatch(/must include offline_access/);
  });
});
