import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type { FakeXeroState } from './state.ts';

const token = (prefix: string) => `${prefix}-${randomBytes(24).toString('base64url')}`;
const oauthError = (error: string, status = 400, description?: string) =>
  HttpResponse.json({ error, ...(description ? { error_description: description } : {}) }, { status });

/** A grant's tokens, as `/connect/token` answers them. */
export function issueTokens(fake: FakeXeroState, grantId: string) {
  const grant = fake.grants.get(grantId)!;
  const access = token('xero-at');
  fake.accessTokens.set(access, { grantId, expiresAt: fake.now() + fake.accessTokenSeconds * 1000 });
  const refresh = token('xero-rt');
  grant.refreshToken = refresh;
  return {
    access_token: access,
    expires_in: fake.accessTokenSeconds,
    token_type: 'Bearer',
    refresh_token: refresh,
    scope: grant.scopes.join(' '),
  };
}

/**
 * Xero's identity side: the consent page (`GET {login}/identity/connect/authorize`, answered with the redirect a
 * consenting merchant's browser follows, code and state in its query), the token endpoint
 * (`POST {identity}/connect/token`: Basic client authentication, PKCE S256 checked, refresh tokens single use:
 * each refresh answers a new one and the old one is refused thereafter) and `GET {api}/connections`.
 */
export function identityRoutes(fake: FakeXeroState) {
  const authorize = http.get(`${fake.loginOrigin}/identity/connect/authorize`, ({ request }) => {
    const q = new URL(request.url).searchParams;
    const redirect = q.get('redirect_uri');
    const scopes = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const problem =
      q.get('client_id') !== fake.clientId
        ? 'unauthorized_client'
        : q.get('response_type') !== 'code' || !redirect
          ? 'invalid_request'
          : q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')
            ? 'invalid_request'
            : scopes.length === 0
              ? 'invalid_scope'
              : undefined;
    if (problem || !redirect)
      return HttpResponse.text(`Xero login: ${problem ?? 'invalid_request'}`, { status: 400 });
    const code = token('xero-code');
    fake.codes.set(code, {
      redirectUri: redirect,
      challenge: q.get('code_challenge')!,
      scopes,
      tenants: fake.consentTenants ?? fake.tenants.map((t) => t.tenantId),
      expiresAt: fake.now() + 5 * 60_000,
    });
    const back = new URL(redirect);
    back.searchParams.set('code', code);
    back.searchParams.set('scope', scopes.join(' '));
    if (q.get('state') !== null) back.searchParams.set('state', q.get('state')!);
    return new HttpResponse(null, { status: 302, headers: { location: back.href } });
  });

  const tokenRoute = http.post(`${fake.identityOrigin}/connect/token`, async ({ request }) => {
    fake.tokenCalls++;
    const basic = `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`;
    if (request.headers.get('authorization') !== basic) return oauthError('invalid_client', 401);
    const form = new URLSearchParams(await request.text());
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = fake.codes.get(form.get('code') ?? '');
      fake.codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!code || code.expiresAt < fake.now()) return oauthError('invalid_grant');
      if (code.redirectUri !== form.get('redirect_uri'))
        return oauthError('invalid_grant', 400, 'redirect_uri mismatch');
      if (code.challenge !== challenge)
        return oauthError('invalid_grant', 400, 'code_verifier does not match');
      const grantId = randomUUID();
      fake.grants.set(grantId, {
        tenants: code.tenants,
        scopes: code.scopes,
        refreshToken: '',
        revoked: false,
      });
      return HttpResponse.json(issueTokens(fake, grantId));
    }
    if (grantType === 'refresh_token') {
      const given = form.get('refresh_token') ?? '';
      const entry = [...fake.grants.entries()].find(([, g]) => g.refreshToken === given && !g.revoked);
      // Superseded (used once already), revoked or unknown: refused, and the merchant must consent again.
      if (!given || !entry) {
        fake.refusedRefreshes++;
        return oauthError('invalid_grant');
      }
      return HttpResponse.json(issueTokens(fake, entry[0]));
    }
    return oauthError('unsupported_grant_type');
  });

  const connections = http.get(`${fake.apiOrigin}/connections`, ({ request }) => {
    const grant = fake.grantOf(request.headers.get('authorization'));
    if (!grant)
      return HttpResponse.json(
        { Title: 'Unauthorized', Status: 401, Detail: 'AuthenticationUnsuccessful' },
        { status: 401 },
      );
    const at = new Date(fake.now()).toISOString().replace(/Z$/, '');
    return HttpResponse.json(
      grant.tenants.map((id) => ({
        id: randomUUID(),
        authEventId: randomUUID(),
        tenantId: id,
        tenantType: 'ORGANISATION',
        tenantName: fake.tenants.find((t) => t.tenantId === id)?.tenantName ?? null,
        createdDateUtc: at,
        updatedDateUtc: at,
      })),
    );
  });

  return [authorize, tokenRoute, connections];
}
