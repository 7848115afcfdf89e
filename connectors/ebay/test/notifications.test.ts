import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type AnyConnector,
  type Connection,
  connectionContext,
  type InboundRequest,
  VerificationKeys,
  verifyDelivery,
} from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ebay } from '../src/index.ts';
import { pemOf, verifyNotification } from '../src/signature.ts';
import { fakeEbay, orderConfirmation } from './fakes/index.ts';
import { ebaySignedVectors } from './fixtures/ebay-sdk-vectors.ts';
import { apiOrigin, secrets } from './keys.ts';

/** eBay's notification signature, its public key fetched by kid, and the endpoint-validation challenge. */
const connector = ebay as unknown as AnyConnector;
const vendor = fakeEbay({ apiOrigin, ...secrets, fulfillmentPerDay: 86_400_000 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const connection = (id: string, settings: Record<string, unknown> = {}): Connection => ({
  id,
  tenantId: 'acme',
  connector,
  settings: connector.settings.parse({ apiOrigin, ...settings }),
  secrets: connector.secrets.parse(secrets),
});
const delivery = (body: string, headers: Record<string, string>): InboundRequest => ({
  method: 'POST',
  path: '/webhooks/ebay',
  headers: { 'content-type': 'application/json', ...headers },
  body: new Uint8Array(Buffer.from(body)),
  contentType: 'application/json',
  receivedAt: new Date(),
});
const notice = readFileSync(
  fileURLToPath(new URL('fixtures/notification-order-confirmation.json', import.meta.url)),
  'utf8',
).trim();

describe('X-EBAY-SIGNATURE', () => {
  it('checks eBay’s ECDSA/SHA-1 signature over the raw body with the key eBay serves on one line', async () => {
    const keys = new VerificationKeys();
    const verdict = await verifyDelivery(
      connection('sig-1'),
      delivery(notice, vendor.signatureHeaders(notice)),
      undefined,
      keys,
    );
    expect(verdict).toEqual({ ok: true });
  });

  it('restores the line breaks of a one-line PEM, which OpenSSL does not read as it comes', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const oneLine = pem.replace(/\n/g, '');
    expect(pemOf(oneLine)).toBe(pem);
    // A signature made independently of the connector's code, checked with the one-line key.
    const { privateKey, publicKey: other } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const body = Buffer.from('{"metadata":{"topic":"ORDER_CONFIRMATION"}}');
    const header = Buffer.from(
      JSON.stringify({
        alg: 'ecdsa',
        kid: 'k',
        signature: sign('sha1', body, privateKey).toString('base64'),
        digest: 'SHA1',
      }),
    ).toString('base64');
    const key = other.export({ type: 'spki', format: 'pem' }).toString().replace(/\n/g, '');
    expect(verifyNotification(new Uint8Array(body), header, { key, digest: 'SHA1' })).toEqual({ ok: true });
  });

  it('refuses a body changed after eBay signed it, a forged key, and a missing or garbled header', async () => {
    const keys = new VerificationKeys();
    const c = connection('sig-2');
    const tampered = notice.replace('12-11840-52706', '12-11840-52707');
    const signed = vendor.signatureHeaders(notice);
    expect(await verifyDelivery(c, delivery(tampered, signed), undefined, keys)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match the body/),
    });
    expect(
      await verifyDelivery(c, delivery(notice, vendor.signatureHeaders(notice, 'forged')), undefined, keys),
    ).toMatchObject({
      ok: false,
    });
    expect(await verifyDelivery(c, delivery(notice, {}), undefined, keys)).toMatchObject({ ok: false });
    expect(
      await verifyDelivery(c, delivery(notice, { 'x-ebay-signature': 'bm90IGpzb24=' }), undefined, keys),
    ).toMatchObject({ ok: false });
  });

  it('accepts the same notification re-indented in transit: only whitespace between tokens differs', async () => {
    const keys = new VerificationKeys();
    const pretty = JSON.stringify(JSON.parse(notice), null, 2);
    const verdict = await verifyDelivery(
      connection('sig-3'),
      delivery(pretty, vendor.signatureHeaders(notice)),
      undefined,
      keys,
    );
    expect(verdict).toEqual({ ok: true });
  });

  it('refuses a key id eBay does not know (its key service answers 404)', async () => {
    const header = JSON.parse(
      Buffer.from(vendor.signatureHeaders(notice)['x-ebay-signature'], 'base64').toString(),
    );
    const unknown = Buffer.from(JSON.stringify({ ...header, kid: 'retired-key' })).toString('base64');
    const verdict = await verifyDelivery(
      connection('sig-4'),
      delivery(notice, { 'x-ebay-signature': unknown }),
      undefined,
      new VerificationKeys(),
    );
    expect(verdict).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no public key "retired-key"/),
    });
  });

  it('fetches a key once for many notifications (cached by kid), with the application token', async () => {
    const keys = new VerificationKeys();
    const c = connection('sig-5');
    const before = vendor.state.calls.getPublicKey ?? 0;
    const tokensBefore = vendor.state.calls['token:client_credentials'] ?? 0;
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const body = orderConfirmation(`n-cache-${i}`, `12-00000-${String(i).padStart(5, '0')}`);
        return verifyDelivery(c, delivery(body, vendor.signatureHeaders(body)), undefined, keys);
      }),
    );
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect((vendor.state.calls.getPublicKey ?? 0) - before).toBe(1);
    // The keyset's application token, shared by its connections: minted by an earlier check at most once.
    expect((vendor.state.calls['token:client_credentials'] ?? 0) - tokensBefore).toBeLessThanOrEqual(1);
    expect(vendor.state.calls['token:client_credentials']).toBe(1);
  });
});

describe('eBay’s own signed notifications (its SDK’s test vectors)', () => {
  const check = (body: string, vector: { header: string; key: typeof ebaySignedVectors.VALID.key }) =>
    verifyNotification(new Uint8Array(Buffer.from(body)), vector.header, vector.key);
  const valid = ebaySignedVectors.VALID;

  it('checks VALID over its raw bytes, and refuses SIGNATURE_MISMATCH and INVALID', () => {
    expect(check(valid.body, valid)).toEqual({ ok: true });
    const { SIGNATURE_MISMATCH: mismatch, INVALID: invalid } = ebaySignedVectors;
    expect(check(mismatch.body, mismatch)).toMatchObject({ ok: false, reason: /does not match the body/ });
    expect(check(invalid.body, invalid)).toMatchObject({ ok: false, reason: /does not match the body/ });
  });

  it('accepts VALID re-indented (whitespace between tokens only), whitespace inside a string not', () => {
    expect(check(JSON.stringify(JSON.parse(valid.body), null, 4), valid)).toEqual({ ok: true });
    expect(check(valid.body.replace(/,/g, ' ,\r\n\t'), valid)).toEqual({ ok: true });
    expect(check(valid.body.replace('"test_user"', '"test_user "'), valid)).toMatchObject({ ok: false });
  });

  it('refuses bodies that parse to what eBay signed but are not its bytes: a duplicate key, a number or string spelt otherwise, keys reordered', () => {
    const signedJson = JSON.parse(valid.body) as { metadata: unknown; notification: { data: unknown } };
    const forged = JSON.stringify({
      ...signedJson,
      notification: { ...signedJson.notification, data: { username: 'attacker', userId: 'x' } },
    });
    // {"metadata":…,"notification":<forged>,"notification":<signed>}: JSON.parse keeps the last one.
    const duplicateKey = `${forged.slice(0, -1)},"notification":${JSON.stringify(signedJson.notification)}}`;
    expect(JSON.stringify(JSON.parse(duplicateKey))).toBe(valid.body);
    expect(check(duplicateKey, valid)).toMatchObject({ ok: false });
    // The same with whitespace, so the whitespace fallback is tried too.
    expect(check(duplicateKey.replace(/,/g, ', '), valid)).toMatchObject({ ok: false });
    const respelt = valid.body.replace('"publishAttemptCount":1', '"publishAttemptCount":1.0');
    expect(JSON.stringify(JSON.parse(respelt))).toBe(valid.body);
    expect(check(respelt, valid)).toMatchObject({ ok: false });
    expect(check(respelt.replace(/,/g, ', '), valid)).toMatchObject({ ok: false });
    const escaped = valid.body.replace('"test_user"', '"test\\u005fuser"');
    expect(JSON.stringify(JSON.parse(escaped))).toBe(valid.body);
    expect(check(escaped.replace(/,/g, ', '), valid)).toMatchObject({ ok: false });
    const reordered = JSON.stringify({
      notification: signedJson.notification,
      metadata: signedJson.metadata,
    });
    expect(check(reordered, valid)).toMatchObject({ ok: false });
  });
});

describe('notifications in the intake', () => {
  it('keys a notification by its notificationId and names the order to fetch, only for ORDER_CONFIRMATION', () => {
    const webhook = connector.webhook!;
    const context = connectionContext(connection('intake-1'));
    const request = delivery(notice, vendor.signatureHeaders(notice));
    expect(webhook.dedupeKey(request, context)).toBe(
      'notification:5f1d0c7e-2a9b-4c3e-8d6f-1b2a3c4d5e6f_0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
    );
    expect(webhook.hydrate!.resource(request, context)).toEqual({ type: 'order', id: '12-11840-52706' });
    const deletion = JSON.stringify({
      metadata: { topic: 'MARKETPLACE_ACCOUNT_DELETION', schemaVersion: '1.0', deprecated: false },
      notification: { notificationId: 'del-1', data: { username: 'someone', userId: 'x1' } },
    });
    expect(webhook.hydrate!.resource(delivery(deletion, {}), context)).toBeUndefined();
    expect(webhook.hydrate!.resource(delivery('{"notification":', {}), context)).toBeUndefined();
  });
});

describe('the endpoint-validation challenge', () => {
  const endpoint = 'https://hub.acme.example/webhooks/ebay-us';

  it('answers challenge_code with hex SHA-256 of the code, the verification token and the endpoint', () => {
    const answer = connector.webhook!.challenge!(
      new URLSearchParams({ challenge_code: 'a8628072-3d33-45ee-9004-bee86830a22d' }),
      connectionContext(connection('challenge-1')),
      endpoint,
    );
    // Computed apart from the code, once: printf '%s' 'a8628072-3d33-45ee-9004-bee86830a22d'\
    //   'acme-ebay-destination-verification-0123456789''https://hub.acme.example/webhooks/ebay-us' | sha256sum
    expect(answer).toEqual({
      challengeResponse: 'acbe82c0bce52f03aaa23bda77ecd4c10777a3a43456176879b6a9ccb4a5d239',
    });
  });

  it('hashes the endpoint registered at eBay when it differs from the hub’s (a proxy in front)', () => {
    const registered = 'https://edge.acme.example/ebay/notifications';
    const answer = connector.webhook!.challenge!(
      new URLSearchParams({ challenge_code: 'c-2' }),
      connectionContext(connection('challenge-2', { notificationEndpoint: registered })),
      endpoint,
    );
    // printf '%s' 'c-2''acme-ebay-destination-verification-0123456789''https://edge.acme.example/ebay/notifications' | sha256sum
    expect(answer).toEqual({
      challengeResponse: 'b3f32d28b7b951763b9c351b585aa586ebfeb251467d818db12eb95d3bb1c9e5',
    });
  });

  it('answers nothing to a GET without challenge_code, or without a verification token configured', () => {
    const context = connectionContext(connection('challenge-3'));
    expect(
      connector.webhook!.challenge!(new URLSearchParams({ other: '1' }), context, endpoint),
    ).toBeUndefined();
    const noToken = { ...context, secrets: { ...(context.secrets as object), verificationToken: undefined } };
    expect(
      connector.webhook!.challenge!(new URLSearchParams({ challenge_code: 'c' }), noToken as never, endpoint),
    ).toBeUndefined();
  });
});
