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
 * Checks a notification's signature: ECDSA with SHA-1 over the raw body bytes. eBay signs its compact JSON (its
 * SDK verifies `JSON.stringify(body)`, and eBay's signed test vector checks over exactly that), which is what it
 * sends. A body whose bytes differ from it only by whitespace between tokens (re-indented by a proxy) is checked
 * over the compact form, and nothing else is: a duplicate key, another spelling of a number (1.0, 1e0), an escape
 * eBay would not write (\u0041, \/) or keys in another order change the bytes that were signed, so the body is
 * not the one eBay signed and is refused. The key and the digest must be the ones eBay names.
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
  const compact = compactForm(body);
  if (compact && checks(compact)) return { ok: true };
  return {
    ok: false,
    reason: `X-EBAY-SIGNATURE does not match the body under eBay's key "${signature.kid}"`,
  };
}

/**
 * The body without the whitespace between its JSON tokens, when that is exactly the compact JSON eBay writes for
 * it (`JSON.stringify` of it parsed: no duplicate key, every number and string spelt as it would spell them, keys
 * in their order); otherwise undefined. Whitespace inside strings is kept: it is content.
 */
export function compactForm(body: Uint8Array): Uint8Array | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return undefined;
  }
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      out += c;
    }
  }
  if (out === text) return undefined;
  try {
    return JSON.stringify(JSON.parse(out)) === out ? new Uint8Array(Buffer.from(out, 'utf8')) : undefined;
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
