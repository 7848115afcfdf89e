import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickbooks } from '../src/index.ts';
import { invoice } from './documents.ts';

/**
 * The standalone fake, started the way test/support/fake-process.ts starts every vendor's (`node --import tsx
 * <script>`, waiting for `listening on <origin>`), driven over HTTP only: what an end-to-end test of the hub
 * does with it.
 */
const script = fileURLToPath(new URL('./fakes/quickbooks-server.ts', import.meta.url));
const realm = '4620816365268443220';
const env = {
  QUICKBOOKS_FAKE_CLIENT_ID: 'ABserverClient0123456789',
  QUICKBOOKS_FAKE_CLIENT_SECRET: 'server-secret-0123456789',
  QUICKBOOKS_FAKE_VERIFIER_TOKEN: 'server-verifier-0123456789',
  QUICKBOOKS_FAKE_REALM: realm,
};
let child: ChildProcess;
let origin: string;

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', script], {
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
    child.once('exit', (code) => reject(new Error(`quickbooks-server.ts exited ${code}`)));
  });
});
afterAll(() => {
  child?.kill('SIGTERM');
});

const control = async (path: string, body?: unknown) => {
  const answer = await fetch(`${origin}/__fake/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return answer.json() as Promise<Record<string, unknown>>;
};

describe('the standalone QuickBooks fake', () => {
  it('connects a company, takes a posting, and sends the webhook of a payment recorded in QuickBooks', async () => {
    const signal = new AbortController().signal;
    const base = {
      tenantId: 't',
      connectionId: 'books-e2e',
      settings: quickbooks.settings.parse({
        clientId: env.QUICKBOOKS_FAKE_CLIENT_ID,
        apiOrigin: origin,
        oauthOrigin: origin,
        authorizeOrigin: origin,
      }),
      secrets: quickbooks.secrets.parse({
        clientSecret: env.QUICKBOOKS_FAKE_CLIENT_SECRET,
        webhookVerifierToken: env.QUICKBOOKS_FAKE_VERIFIER_TOKEN,
      }),
      now: () => new Date(),
    };
    // The consent page and the exchange, over HTTP.
    const redirectUri = 'http://127.0.0.1:1/oauth/callback';
    const url = quickbooks.authorization!.authorizeUrl(base, { state: 's', redirectUri, codeChallenge: 'c' });
    const consent = await fetch(url, { redirect: 'manual' });
    const query = Object.fromEntries(new URL(consent.headers.get('location')!).searchParams);
    const granted = await quickbooks.authorization!.exchange(
      base,
      { code: query.code!, redirectUri, codeVerifier: 'v', query },
      signal,
    );
    expect(granted).toMatchObject({ account: realm, accountName: `Fake Company ${realm}` });

    const connection = {
      ...base,
      authorization: {
        token: async () => ({ accessToken: granted.accessToken, account: realm }),
        invalidate() {},
      },
    };
    const posted = await quickbooks.actions!.postDocument!(
      { ...connection, idempotencyKey: 'e2e:post-invoice', signal },
      { document: invoice('sale:e2e', { customer: { ref: '58', name: 'Shopify customer' } }) },
    );
    expect(posted).toMatchObject({ total: 3939, tax: 292 });
    const documents = (await fetch(`${origin}/__fake/documents?entity=Invoice&realm=${realm}`).then((r) =>
      r.json(),
    )) as { Id: string }[];
    expect(documents.map((d) => d.Id)).toEqual([posted.externalId]);

    const delivery = (await control('payments', { realm, invoiceId: posted.externalId })) as {
      body: string;
      headers: Record<string, string>;
    };
    const request = {
      method: 'POST',
      path: '/webhooks/books-e2e',
      headers: delivery.headers,
      body: new Uint8Array(Buffer.from(delivery.body)),
      contentType: 'application/json',
      receivedAt: new Date(),
    };
    expect(quickbooks.webhook!.verify(request, connection)).toEqual({ ok: true });
    const [change] = quickbooks.books!.changes(request);
    expect(await quickbooks.books!.invoicesOf(connection, change!, signal)).toMatchObject([
      { invoice: posted.externalId, status: 'paid', balance: 0 },
    ]);
    expect(await control('stats')).toMatchObject({ throttled: 0, byResource: { 'POST invoice': 1 } });
  });
});
