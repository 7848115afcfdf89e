import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { HubError } from './errors.ts';

/**
 * AES-256-GCM for credentials stored in the database. A sealed value reads
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts); keyId is the first 8 hex
 * digits of SHA-256 of the key, so a value sealed with another key is reported as
 * such instead of failing as corrupt data.
 */
export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) {
      throw new HubError({
        type: 'bad-secret-key',
        title: 'Bad secret key',
        status: 500,
        detail: `SWITCHYARD_SECRET_KEY must decode to 32 bytes, it decodes to ${key.length}`,
        fix: "generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"",
      });
    }
    this.#key = key;
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  /** Accepts 64 hex digits or base64 of 32 bytes. */
  static fromString(text: string): SecretBox {
    const trimmed = text.trim();
    return new SecretBox(
      /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64'),
    );
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      this.keyId,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  /** `context` binds the value to where it is stored (the connection id): a value moved elsewhere fails. */
  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || !keyId || !iv || !tag || ciphertext === undefined) {
      throw this.#error(`the stored value for ${context} is not a sealed secret`);
    }
    if (keyId !== this.keyId) {
      throw this.#error(
        `the stored secrets for ${context} were sealed with key ${keyId}, the current SWITCHYARD_SECRET_KEY is ${this.keyId}`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw this.#error(
        `the stored secrets for ${context} failed authentication (tampered or corrupt)`,
        cause,
      );
    }
  }

  #error(detail: string, cause?: unknown): HubError {
    return new HubError(
      {
        type: 'secret-unreadable',
        title: 'Stored secret unreadable',
        status: 500,
        detail,
        fix: 'restore the SWITCHYARD_SECRET_KEY the secrets were sealed with, or restart the hub so it re-seals them from the environment',
      },
      { cause },
    );
  }
}
