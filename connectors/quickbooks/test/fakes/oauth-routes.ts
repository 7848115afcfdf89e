import { HttpResponse, http } from 'msw';
import { type FakeGrant, type FakeState, token } from './state.ts';

const oauthError = (error: string, status = 400) => HttpResponse.json({ error }, { status });

/** Issues a new access token and refresh token for a grant (a code exchange or a refresh). */
export function issue(fake: FakeState, grant: FakeGrant) {
  if (grant.refreshToken) grant.superseded.add(grant.refreshToken);
  grant.refreshToken = token('RT1');
  const accessToken = token('eyJAT');
  fake.accessTokens.set(accessToken, {
    realm: grant.realm,
    grant,
    expiresAt: fake.now() + fake.accessTokenLifetimeSeconds * 1000,
  });
  return {
    token_type: 'bearer',
    access_token: accessToken,
    refresh_token: grant.refreshToken,
    expires_in: fake.accessTokenLifetimeSeconds,
    x_refresh_token_expires_in: 8_726_400,
  };
}

/**
 * Intuit's consent page and token endpoint. The consent page answers at once, as if the merchant had picked
 * the company `fake.nextRealm` and agreed: 302 to `redirect_uri?code&state&realmId`. The token endpoint
 * takes the app's Basic credential and both grants; a code is good once, and a refresh token is replaced on
 * every refresh: the one it replaced, or any of a revoked grant, is answered 400 `invalid_grant`.
 */
export function oauthRoutes(fake: FakeState) {
  return [
    http.get(`${fake.authorizeOrigin}/connect/oauth2`, ({ request }) => {
      const q = new URL(request.url).searchParams;
      const redirect = q.get('redirect_uri');
      if (q.get('client_id') !== fake.clientId) return new HttpResponse('unknown client_id', { status: 400 });
      if (q.get('response_type') !== 'code' || !redirect || !q.get('state')) {
        return new HttpResponse('response_type=code, redirect_uri and state are required', { status: 400 });
      }
      if (!(q.get('scope') ?? '').split(' ').includes('com.intuit.quickbooks.accounting')) {
        return HttpResponse.redirect(`${redirect}?error=invalid_scope&state=${q.get('state')}`, 302);
      }
      const code = token('AB11code');
      fake.codes.set(code, { realm: fake.nextRealm, redirectUri: redirect, used: false });
      const to = new URL(redirect);
      to.searchParams.set('code', code);
      to.searchParams.set('state', q.get('state')!);
      to.searchParams.set('realmId', fake.nextRealm);
      return HttpResponse.redirect(to.toString(), 302);
    }),

    http.post(`${fake.oauthOrigin}/oauth2/v1/tokens/bearer`, async ({ request }) => {
      fake.tokenCalls += 1;
      const expected = `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`;
      if (request.headers.get('authorization') !== expected) return oauthError('invalid_client', 401);
      const form = new URLSearchParams(await request.text());
      const grantType = form.get('grant_type');
      if (grantType === 'authorization_code') {
        const code = fake.codes.get(form.get('code') ?? '');
        if (!code || code.used || code.redirectUri !== form.get('redirect_uri'))
          return oauthError('invalid_grant');
        code.used = true;
        fake.realm(code.realm);
        const grant: FakeGrant = {
          realm: code.realm,
          refreshToken: '',
          superseded: new Set(),
          revoked: false,
          refreshes: 0,
        };
        fake.grants.push(grant);
        return HttpResponse.json(issue(fake, grant));
      }
      if (grantType === 'refresh_token') {
        const presented = form.get('refresh_token') ?? '';
        const grant = fake.grants.find((g) => g.refreshToken === presented || g.superseded.has(presented));
        if (!grant || grant.revoked || grant.refreshToken !== presented) return oauthError('invalid_grant');
        grant.refreshes += 1;
        return HttpResponse.json(issue(fake, grant));
      }
      return oauthError('unsupported_grant_type');
    }),
  ];
}
