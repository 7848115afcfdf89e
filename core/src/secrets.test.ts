import { describe, expect, it } from 'vitest';
import { SecretBox } from './secrets.ts';

describe('SecretBox (AES-256-GCM)', () => {
  const box = SecretBox.fromString(SecretBox.generateKey());

  it('round-trips, with a fresh IV each time', () => {
    const a = box.seal('{"token":"shpat_123"}', 'connection:shop');
    const b = box.seal('{"token":"shpat_123"}', 'connection:shop');
    expect(a).not.toBe(b);
    expect(a).not.toContain('shpat_123');
    expect(box.open(a, 'connection:shop')).toBe('{"token":"shpat_123"}');
  });

  it('refuses a value moved to another connection, tampered, or sealed with another key', () => {
    const sealed = box.seal('secret', 'connection:a');
    expect(() => box.open(sealed, 'connection:b')).toThrow(/failed authentication/);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'connection:a')).toThrow(/failed authentication/);
    const other = SecretBox.fromString(SecretBox.generateKey());
    expect(() => other.open(sealed, 'connection:a')).toThrow(
      /sealed with key [0-9a-f]{8}, the current SWITCHYARD_SECRET_KEY is/,
    );
  });

  it('accepts hex or base64 keys of 32 bytes only', () => {
    expect(SecretBox.fromString('00'.repeat(32)).keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(() => SecretBox.fromString('c2hvcnQ=')).toThrow(/must decode to 32 bytes/);
  });
});
