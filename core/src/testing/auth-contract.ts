import { expect, it } from 'vitest';
import {
  type AnyConnector,
  authModeOf,
  CREDENTIAL_HEADERS,
  type InboundRequest,
  isCredentialHeader,
} from '../connector/index.ts';
import { type Connection, connectionContext } from '../intake/connection.ts';
import { VerificationKeys, verifyDelivery } from '../intake/verify.ts';

/** What the auth checks need from the kit: the connection, and requests built as the vendor would send them. */
export interface AuthCheckInput {
  connector: AnyConnector;
  connection: Connection;
  secrets: Record<string, string>;
  now: Date;
  /** The webhook payloads' names, for the test titles, and a request for each, signed with `secrets`. */
  payloads: { name: string }[];
  request(index: number, signWith?: Record<string, string>): InboundRequest;
  /** The headers the vendor's signing adds to a body (the credential, the signature). */
  signingHeaders(body: Uint8Array): string[];
  /** For `public-key`: a request signed by a key the vendor never published, under a key id it did. */
  forged?(index: number): InboundRequest;
}

/**
 * Each auth mode accepted and rejected, through `verifyDelivery` (what the webhook route runs): a genuine
 * delivery passes; a missing credential, another secret, a forged key or (where the mode signs the body) a body
 * changed after signing fails; a token is never stored; a queue connection takes nothing over HTTP.
 */
export function authChecks(input: AuthCheckInput): void {
  const { connection, now } = input;
  const webhook = input.connector.webhook!;
  const mode = authModeOf(webhook);
  // A fresh key cache per kit, so each run fetches the vendor's key through its own fake.
  const keys = new VerificationKeys();
  const verify = (request: InboundRequest) => verifyDelivery(connection, request, () => now, keys);

  if (mode === 'queue') {
    it('takes nothing over HTTP: its notifications come from the queue', async () => {
      const verdict = await verify(input.request(0));
      expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/queue/) });
    });
    it.each(input.payloads.map((p, i) => ({ ...p, i })))(
      'accepts a queued notification for this connection: $name',
      ({ i }) => {
        expect(
          webhook.verify(
            input.request(i),
            connectionContext(connection, () => now),
          ),
        ).toEqual({ ok: true });
      },
    );
    return;
  }

  it.each(input.payloads.map((p, i) => ({ ...p, i })))(
    `accepts a delivery authenticated as the vendor does (${mode}): $name`,
    async ({ i }) => {
      expect(await verify(input.request(i))).toEqual({ ok: true });
    },
  );

  if (mode === 'hmac' || mode === 'public-key') {
    it('rejects a body changed after signing', async () => {
      const r = input.request(0);
      const body = new Uint8Array(r.body);
      const at = Math.floor(body.length / 2);
      body[at] = (body[at] ?? 0) ^ 1;
      expect((await verify({ ...r, body })).ok).toBe(false);
    });
  }

  if (mode === 'public-key') {
    it('rejects a signature made with a key the vendor never published', async () => {
      expect(
        input.forged,
        'pass `forge` to the contract: public-key connectors must refuse a forged key',
      ).toBeDefined();
      const verdict = await verify(input.forged!(0));
      expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/\w/) });
    });
  } else {
    it(`rejects ${mode === 'token' ? 'another token' : 'a signature made with another secret'}`, async () => {
      const wrong = Object.fromEntries(
        Object.keys(input.secrets).map((k) => [k, 'not-the-secret-0123456789']),
      );
      const verdict = await verify(input.request(0, wrong));
      expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/\w/) });
    });
  }

  it('rejects a delivery missing any credential or signature header', async () => {
    const r = input.request(0);
    const names = input.signingHeaders(r.body);
    expect(names.length, 'the vendor’s signing adds at least one header').toBeGreaterThan(0);
    for (const name of names) {
      const headers = { ...r.headers };
      delete headers[name.toLowerCase()];
      expect((await verify({ ...r, headers })).ok, `without ${name}`).toBe(false);
    }
  });

  if (mode === 'token') {
    it('declares its token header a credential, so it is never stored', () => {
      for (const name of input.signingHeaders(input.request(0).body)) {
        expect(
          isCredentialHeader(name, webhook.credentialHeaders),
          `${name} carries the token: list it in webhook.credentialHeaders (common ones: ${CREDENTIAL_HEADERS.join(', ')})`,
        ).toBe(true);
      }
    });
  }
}
