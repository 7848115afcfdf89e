import { VendorError } from '@switchyard/core';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTING_SCOPE, quickbooksAuthorization as flow } from '../src/index.ts';
import { fakeQuickBooks } from './fakes/index.ts';
import { newRealmId, secretsOf, settingsOf } from './harness.ts';

const fake = fakeQuickBooks();
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const redirectUri = 'https://hub.example.com/oauth/callback';
const signal = new AbortController().signal;
const context = (secrets: Partial<ReturnType<typeof secretsOf>> = {}) => ({
  tenantId: 't',
  connectionId: 'books',
  settings: settingsOf(fake),
  secrets: { ...secretsOf(fake), ...secrets },
  now: () => new Date(),
});

/** The merchant's trip through Intuit's consent page: the query the redirect brings back. */
async function consent(realm: string, state = 'st-123') {
  fake.nextRealm = realm;
  const url = flow.authorizeUrl(context(), {
    state,
    redirectUri,
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  });
  const answer = await fetch(url, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  return Object.fromEntries(new URL(answer.headers.get('location')!).searchParams);
}

describe('authorizeUrl', () => {
  it("is Intuit's consent page for the accounting scope, without PKCE (Intuit documents none)", () => {
    const url = new URL(
      flow.authorizeUrl(context(), { state: 's1', redirectUri, codeChallenge: 'challenge' }),
    );
    expect(`${url.origin}${url.pathname}`).toBe('https://appcenter.intuit.com/connect/oauth2');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: fake.clientId,
      response_type: 'code',
      scope: ACCOUNTING_SCOPE,
      redirect_uri: redirectUri,
      state: 's1',
    });
  });
});

describe('exchange', () => {
  it('trades the code for tokens, the company from realmId and its name from CompanyInfo', async () => {
    const realm = newRealmId();
    const query = await consent(realm);
    expect(query).toMatchObject({ state: 'st-123', realmId: realm });
    const granted = await flow.exchange(
      context(),
      { code: query.code!, redirectUri, codeVerifier: 'v', query },
      signal,
    );
    expect(granted).toMatchObject({
      expiresInSeconds: 3600,
      refreshExpiresInSeconds: 8_726_400,
      account: realm,
      accountName: `Fake Company ${realm}`,
    });
    expect(granted.accessToken).toMatch(/^eyJAT-/);
    expect(granted.refreshToken).toMatch(/^RT1-/);
  });

  it('keeps the grant when the company name cannot be read (the code is spent already)', async () => {
    const realm = newRealmId();
    server.use(
      http.get(
        `${fake.apiOrigin}/v3/company/${realm}/companyinfo/:id`,
        () => new HttpResponse(null, { status: 403 }),
      ),
    );
    const query = await consent(realm);
    const granted = await flow.exchange(
      context(),
      { code: query.code!, redirectUri, codeVerifier: 'v', query },
      signal,
    );
    expect(granted.account).toBe(realm);
    expect(granted).not.toHaveProperty('accountName');
  });

  it('refuses a redirect without realmId, and a code used twice (invalid_grant)', async () => {
    const query = await consent(newRealmId());
    await expect(
      flow.exchange(
        context(),
        { code: query.code!, redirectUri, codeVerifier: 'v', query: { code: query.code! } },
        signal,
      ),
    ).rejects.toThrow(/no realmId/);
    await flow.exchange(context(), { code: query.code!, redirectUri, codeVerifier: 'v', query }, signal);
    const again = await flow
      .exchange(context(), { code: query.code!, redirectUri, codeVerifier: 'v', query }, signal)
      .catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'invalid_grant', permanent: true });
    expect((again as Error).message).not.toContain(query.code!);
  });

  it("says the app's credentials are wrong without showing them", async () => {
    const query = await consent(newRealmId());
    const error = await flow
      .exchange(
        context({ clientSecret: 'wrong-secret-0123456789' }),
        { code: query.code!, redirectUri, codeVerifier: 'v', query },
        signal,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorError);
    expect(error).toMatchObject({ code: 'invalid_client', status: 401 });
    expect((error as Error).message).toMatch(/settings\.clientId and secrets\.clientSecret/);
    expect((error as Error).message).not.toContain('wrong-secret-0123456789');
  });
});

describe('refresh', () => {
  it('answers the new refresh token on every refresh; the one it replaced is refused with invalid_grant', async () => {
    const { refreshToken } = fake.issueTokens(newRealmId());
    const first = await flow.refresh(context(), refreshToken, signal);
    expect(first.refreshToken).not.toBe(refreshToken);
    expect(first.refreshExpiresInSeconds).toBe(8_726_400);
    const second = await flow.refresh(context(), first.refreshToken, signal);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const stale = await flow.refresh(context(), refreshToken, signal).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(VendorError);
    expect(stale).toMatchObject({ code: 'invalid_grant', status: 400, retryable: false });
    expect((stale as Error).message).not.toContain(refreshToken);
  });

  it('is refused with invalid_grant once the merchant disconnects the app', async () => {
    const realm = newRealmId();
    const { refreshToken } = fake.issueTokens(realm);
    fake.revokeGrants(realm);
    await expect(flow.refresh(context(), refreshToken, signal)).rejects.toMatchObject({
      code: 'invalid_grant',
    });
  });
});
