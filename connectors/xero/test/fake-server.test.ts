import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AuthorizedAccess } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorization } from '../src/authorization.ts';
import { xero } from '../src/index.ts';
import { invoice } from './documents.ts';

/**
 * The fake in a process of its own (xero-server.ts), as an end-to-end test starts it: the consent, the code
 * exchange and a posting over real HTTP, then a payment recorded in Xero and its signed webhook.
 */
const root = join(import.meta.dirname, '../../..');
let child: ChildProcess;
let origin: string;
const env = {
  XERO_FAKE_CLIENT_ID: 'E2E-CLIENT-ID',
  XERO_FAKE_CLIENT_SECRET: 'e2e-client-secret-0123456789',
  XERO_FAKE_WEBHOOK_KEY: 'e2e-webhook-key-0123456789abcdef',
};

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fakes/xero-server.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`xero-server.ts exited ${code}`)));
  });
}, 60_000);
afterAll(() => {
  child?.kill('SIGTERM');
});

describe('the fake in its own process', () => {
  it('authorizes, takes a posting, and signs the webhook of a payment recorded in Xero', async () => {
    const context = {
      tenantId: 'merchant',
      connectionId: 'xero-e2e',
      settings: xero.settings.parse({
        clientId: env.XERO_FAKE_CLIENT_ID,
        apiOrigin: origin,
        identityOrigin: origin,
        loginOrigin: origin,
      }),
      secrets: { clientSecret: env.XERO_FAKE_CLIENT_SECRET, webhookKey: env.XERO_FAKE_WEBHOOK_KEY },
      now: () => new Date(),
    };
    const verifier = randomBytes(32).toString('base64url');
    const redirectUri = 'http://127.0.0.1:1/connections/xero-e2e/authorize/callback';
    const consent = await fetch(
      authorization.authorizeUrl(context, {
        state: 'e2e',
        redirectUri,
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      }),
      { redirect: 'manual' },
    );
    const back = new URL(consent.headers.get('location')!);
    const granted = await authorization.exchange(
      context,
      { code: back.searchParams.get('code')!, redirectUri, codeVerifier: verifier, query: {} },
      AbortSignal.timeout(10_000),
    );
    expect(granted.accountName).toBe('Demo Company (US)');
    const access: AuthorizedAccess = {
      token: async () => ({ accessToken: granted.accessToken, account: granted.account! }),
      invalidate: () => {},
    };
    const posted = await xero.actions!.postDocument!(
      {
        ...context,
        authorization: access,
        idempotencyKey: 'wf_e2e:books',
        signal: AbortSignal.timeout(10_000),
      },
      { document: invoice('sale:ord_e2e') },
    );
    expect(posted.total).toBe(4368);
    const delivery = (await (
      await fetch(`${origin}/__fake/record-payment`, {
        method: 'POST',
        body: JSON.stringify({ invoiceId: posted.externalId, amount: 43.68 }),
      })
    ).json()) as { body: string; headers: Record<string, string> };
    const request = {
      method: 'POST',
      path: '/webhooks/xero-e2e',
      headers: delivery.headers,
      body: new Uint8Array(Buffer.from(delivery.body)),
      contentType: 'application/json',
      receivedAt: new Date(),
    };
    expect(xero.webhook!.verify(request, context)).toEqual({ ok: true });
    const [change] = xero.books!.changes(request);
    await expect(
      xero.books!.invoicesOf({ ...context, authorization: access }, change!, AbortSignal.timeout(10_000)),
    ).resolves.toMatchObject([{ invoice: posted.externalId, status: 'paid', balance: 0 }]);
    const invoices = (await (await fetch(`${origin}/__fake/documents/invoices`)).json()) as unknown[];
    expect(invoices).toHaveLength(1);
  });
});
