import { tokenStates, VendorError } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amazonApi } from '../src/client.ts';
import { Settings } from '../src/settings.ts';
import { clientSecretNotice, lwaTokens, mintAccessToken } from '../src/token.ts';
import { CREDENTIALS, fakeAmazon, sampleOrder } from './fakes/index.ts';

/** Login with Amazon: the refresh-token grant, one mint for many callers, refusals worded, the secret's rotation. */
const vendor = fakeAmazon();
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const settings = Settings.parse({ sellerId: 'A3SELLERFAKE01', marketplaceIds: ['ATVPDKIKX0DER'] });
let n = 0;
const context = (secrets: Partial<typeof CREDENTIALS> = {}) => ({
  connectionId: `token-${++n}`,
  settings,
  secrets: { ...CREDENTIALS, ...secrets },
});

describe('LWA access tokens', () => {
  it('mints with the refresh-token grant, as a form, and reads the lifetime', async () => {
    const minted = await mintAccessToken(settings, CREDENTIALS);
    expect(minted.accessToken).toMatch(/^Atza\|/);
    expect(minted.expiresInSeconds).toBe(3600);
    expect(vendor.api.tokens.has(minted.accessToken)).toBe(true);
  });

  it('caches the token, and N concurrent callers share one mint', async () => {
    const c = context();
    vendor.api.mintDelayMs = 50;
    const before = vendor.api.mints;
    try {
      const tokens = await Promise.all(Array.from({ length: 8 }, () => lwaTokens(c).token()));
      expect(new Set(tokens).size).toBe(1);
      expect(vendor.api.mints - before).toBe(1);
      // Eight SP-API calls at once, through the client: still the one token.
      vendor.api.orders.set(
        '113-1111111-1111111',
        sampleOrder('113-1111111-1111111', '2026-11-30T12:00:00Z'),
      );
      const api = amazonApi(c);
      await Promise.all(
        Array.from({ length: 8 }, () =>
          api.json('getOrder', 'GET', 'orders/2026-01-01/orders/113-1111111-1111111', {
            query: { includedData: ['FULFILLMENT'] },
          }),
        ),
      );
      expect(vendor.api.mints - before).toBe(1);
      expect(tokenStates(c.connectionId)).toEqual([
        expect.objectContaining({ name: 'LWA access token', state: 'valid' }),
      ]);
    } finally {
      vendor.api.mintDelayMs = 0;
    }
  });

  it('mints again once when Amazon says the token expired, and the call goes through', async () => {
    const c = context();
    vendor.api.orders.set('113-2222222-2222222', sampleOrder('113-2222222-2222222', '2026-11-30T12:00:00Z'));
    const api = amazonApi(c);
    const path = 'orders/2026-01-01/orders/113-2222222-2222222';
    await api.json('getOrder', 'GET', path, { query: { includedData: ['FULFILLMENT'] } });
    const before = vendor.api.mints;
    vendor.api.expireTokens();
    const answer = await api.json<{ order: { orderId: string } }>('getOrder', 'GET', path, {});
    expect(answer.order.orderId).toBe('113-2222222-2222222');
    expect(vendor.api.mints - before).toBe(1);
  });

  it('turns invalid_grant into a VendorError that marks the connection reconnect-needed, without secrets', async () => {
    const c = context({ refreshToken: 'Atzr|revoked-0123456789' });
    let thrown: unknown;
    try {
      await lwaTokens(c).token();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VendorError);
    const error = thrown as VendorError;
    expect(error).toMatchObject({ code: 'invalid_grant', status: 400, retryable: false });
    expect(error.message).toMatch(/refused the refresh token/);
    expect(error.problem.fix).toMatch(/authorize the app again/);
    expect(error.message).not.toContain('Atzr|revoked-0123456789');
    expect(error.message).not.toContain(CREDENTIALS.clientSecret);
    expect(tokenStates(c.connectionId)).toEqual([expect.objectContaining({ state: 'reconnect-needed' })]);
  });

  it('says a refused client secret is the client’s, and how to rotate it', async () => {
    const c = context({ clientSecret: 'amzn1.oa2-cs.v1.old0123456789' });
    await expect(lwaTokens(c).token()).rejects.toMatchObject({
      code: 'invalid_client',
      message: expect.stringMatching(/refused the client id or secret[\s\S]*Rotate secret/),
    });
    expect(tokenStates(c.connectionId)[0]?.state).toBe('reconnect-needed');
  });
});

describe('the client secret’s 180-day rotation', () => {
  const at = (day: string) => new Date(`${day}T12:00:00Z`);

  it('says nothing while the rotation is more than 30 days away, or when no date is configured', () => {
    expect(clientSecretNotice({ clientSecretRotatedAt: '2026-09-01' }, at('2026-12-05'))).toBeUndefined();
    expect(clientSecretNotice({}, at('2026-12-05'))).toBeUndefined();
  });

  it('warns from 30 days before it is due, with the day and how to rotate', () => {
    // Rotated 2026-07-01: due 180 days later, 2026-12-28.
    const notice = clientSecretNotice({ clientSecretRotatedAt: '2026-07-01' }, at('2026-12-05'));
    expect(notice).toMatch(/must be rotated by 2026-12-28 \(in 23 days\)/);
    expect(notice).toMatch(/Rotate secret/);
    expect(notice).toMatch(/rotateApplicationClientSecret/);
  });

  it('says every call fails once it is due, and takes the expiry date Amazon shows over the rotation day', () => {
    expect(
      clientSecretNotice(
        { clientSecretRotatedAt: '2026-01-01', clientSecretExpiresAt: '2026-12-01' },
        at('2026-12-05'),
      ),
    ).toMatch(/was due for rotation on 2026-12-01: Amazon refuses it/);
  });

  it('shows in the connection’s token health', async () => {
    const c = {
      ...context(),
      settings: Settings.parse({
        ...settings,
        clientSecretRotatedAt: new Date(Date.now() - 170 * 86_400_000).toISOString().slice(0, 10),
      }),
    };
    await lwaTokens(c).token();
    expect(tokenStates(c.connectionId)[0]).toMatchObject({
      state: 'valid',
      notice: expect.stringMatching(/must be rotated by/),
    });
  });
});
