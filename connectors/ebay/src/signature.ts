import { createHash, createPublicKey, verify } from 'node:crypto';
import type { VerifyResult } from '@switchyard/core';

/**
 * eBay's notification signature (Notification API; eBay's own SDK, event-notification-nodejs-sdk
 * lib/validator.js): `X-EBAY-SIGNATURE` is base64 of the JSON `{"alg":"ecdsa","kid":"…","signature":"<base64
 * DER>","digest":"SHA1"}`; the public key named by `kid` (an ECDSA P-256 key, getPublicKey) checks the signature
 * over the notification's bytes with SHA-1.
 */
export const SIGNATURE_HEADER = 'x-ebay-signature';

export interface SignatureHeader {
  alg: string;
  kid: string;
  signature: string;
  digest: string;
}

/** The decoded header, or undefined when it is not base64 of such a JSON object. */
export function readSignatureHeader(value: string | undefined): SignatureHeader | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value.trim(), 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    const { alg, kid, signature, digest } = parsed;
    if (typeof kid !== 'string' || !kid || typeof signature !== 'string' || !signature) return undefined;
    return {
      alg: typeof alg === 'string' ? alg : '',
      kid,
      signature,
      digest: typeof digest === 'string' ? digest : '',
    };
  } catch {
    return undefined;
  }
}

/**
 * eBay's getPublicKey answers the PEM on one line ("-----BEGIN PUBLIC KEY-----MFkw…==-----END PUBLIC KEY-----"),
 * which OpenSSL does not read: the armour lines get their line breaks back, and the base64 is folded at 64.
 */
export function pemOf(key: string): string {
  const body = key
    .replace(/-----BEGIN PUBLIC KEY-----/, '')
    .replace(/-----END PUBLIC KEY-----/, '')
    .replace(/\s+/g, '');
  const folded = body.match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN PUBLIC KEY-----\n${folded}\n-----END PUBLIC KEY-----\n`;
}

/**
 * Checks a notification's signature: ECDSA with SHA-1 over the raw body bytes first; then, as eBay's SDK does,
 * over the body's compact JSON (eBay signs its own serialization, so a body re-formatted in transit still
 * checks; a body changed in any value does not). The key and the digest must be the ones eBay names.
 */
export function verifyNotification(
  body: Uint8Array,
  header: string | undefined,
  key: { key: string; algorithm?: string | undefined; digest?: string | undefined } | undefined,
): VerifyResult {
  const signature = readSignatureHeader(header);
  if (!signature) {
    return {
      ok: false,
      reason: header
        ? 'the X-EBAY-SIGNATURE header is not base64 JSON with a kid and a signature'
        : 'no X-EBAY-SIGNATURE header: eBay signs every notification',
    };
  }
  if (signature.alg.toLowerCase() !== 'ecdsa' || signature.digest.toUpperCase() !== 'SHA1') {
    return {
      ok: false,
      reason: `X-EBAY-SIGNATURE names ${signature.alg || 'no algorithm'} with ${signature.digest || 'no digest'}; eBay signs with ECDSA and SHA1`,
    };
  }
  if (!key) return { ok: false, reason: `no public key "${signature.kid}" to check the signature with` };
  if (key.digest && key.digest.toUpperCase() !== 'SHA1') {
    return { ok: false, reason: `eBay's key "${signature.kid}" is for ${key.digest}, not SHA1` };
  }
  let publicKey: ReturnType<typeof createPublicKey>;
  try {
    publicKey = createPublicKey(pemOf(key.key));
  } catch {
    return { ok: false, reason: `eBay's key "${signature.kid}" is not a PEM public key` };
  }
  const der = Buffer.from(signature.signature, 'base64');
  const checks = (data: Uint8Array) => {
    try {
      return verify('sha1', data, publicKey, der);
    } catch {
      return false;
    }
  };
  if (checks(body)) return { ok: true };
  const compact = compactJson(body);
  if (compact && checks(compact)) return { ok: true };
  return {
    ok: false,
    reason: `X-EBAY-SIGNATURE does not match the body under eBay's key "${signature.kid}"`,
  };
}

function compactJson(body: Uint8Array): Uint8Array | undefined {
  try {
    const text = JSON.stringify(JSON.parse(Buffer.from(body).toString('utf8')));
    return new Uint8Array(Buffer.from(text));
  } catch {
    return undefined;
  }
}

/**
 * eBay's endpoint validation: `GET <endpoint>?challenge_code=…` is answered with the hex SHA-256 of the challenge
 * code, the verification token and the endpoint's URL, in that order.
 */
export function challengeResponse(
  challengeCode: string,
  verificationToken: string,
  endpoint: string,
): string {
  return createHash('sha256').update(challengeCode).update(verificationToken).update(endpoint).digest('hex');
}
