import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireGolden } from './golden.ts';

const dir = mkdtempSync(join(tmpdir(), 'golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('golden files', () => {
  it('fails on a missing golden file, saying how to write it, and passes once it exists', () => {
    const path = join(dir, 'order.json');
    expect(() => requireGolden(path, {})).toThrow(
      /order\.json does not exist: .* UPDATE_GOLDEN=1 npx vitest run/,
    );
    expect(() => requireGolden(path, { UPDATE_GOLDEN: '1' })).not.toThrow();
    writeFileSync(path, '{}\n');
    expect(() => requireGolden(path, {})).not.toThrow();
  });
});
