import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, repoRoot } from '../support/hub-process.ts';

/**
 * `switchyard new connector <id>` writes a folder that passes lint, typecheck and the contract kit as
 * generated. It runs against a scratch checkout (the root's config files, the registry, node_modules linked
 * entry by entry), so the repository itself is never touched.
 */
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'switchyard-new-'));
  for (const file of ['tsconfig.json', 'biome.json']) copyFileSync(join(repoRoot, file), join(root, file));
  writeFileSync(join(root, '.gitignore'), 'node_modules\n');
  writeFileSync(
    join(root, 'vitest.config.mjs'),
    "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['connectors/**/*.test.ts'] } });\n",
  );
  mkdirSync(join(root, 'connectors', 'registry', 'src'), { recursive: true });
  copyFileSync(
    join(repoRoot, 'connectors/registry/src/installed.ts'),
    join(root, 'connectors/registry/src/installed.ts'),
  );
  const modules = join(repoRoot, 'node_modules');
  mkdirSync(join(root, 'node_modules', '@switchyard'), { recursive: true });
  for (const name of readdirSync(modules)) {
    if (name !== '@switchyard') symlinkSync(join(modules, name), join(root, 'node_modules', name));
  }
  for (const name of readdirSync(join(modules, '@switchyard'))) {
    symlinkSync(
      realpathSync(join(modules, '@switchyard', name)),
      join(root, 'node_modules', '@switchyard', name),
    );
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tool = (name: string, args: string[]) => {
  const r = spawnSync(join(repoRoot, 'node_modules', '.bin', name), args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
};

describe('switchyard new connector', () => {
  it('scaffolds a channel connector that passes lint, typecheck and the contract kit as generated', () => {
    const made = cli(root, ['new', 'connector', 'acme-shop', '--root', root]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('created connectors/acme-shop');
    for (const file of [
      'src/index.ts',
      'src/settings.ts',
      'src/webhook.ts',
      'src/map-order.ts',
      'src/client.ts',
      'src/pull.ts',
      'src/actions.ts',
      'test/fakes/index.ts',
      'test/golden/order-paid.json',
      'README.md',
    ]) {
      expect(existsSync(join(root, 'connectors/acme-shop', file)), file).toBe(true);
    }
    const registry = readFileSync(join(root, 'connectors/registry/src/installed.ts'), 'utf8');
    expect(registry).toContain("export { acmeShop } from '@switchyard/connector-acme-shop';");
    // Kept in order: the new line comes before the first package named after it.
    expect(registry.indexOf('connector-acme-shop')).toBeLessThan(registry.indexOf('connector-easypost'));

    const lint = tool('biome', ['check', 'connectors/acme-shop']);
    expect(lint.output).toContain('No fixes applied');
    expect(lint.code, lint.output).toBe(0);
    const types = tool('tsc', ['--noEmit', '-p', 'connectors/acme-shop']);
    expect(types.code, types.output).toBe(0);
    const kit = tool('vitest', ['run', 'connectors/acme-shop']);
    expect(kit.code, kit.output).toBe(0);
    expect(kit.output).toMatch(/Tests\s+19 passed \(19\)/);
  }, 600_000);

  it('refuses an id that is not one, and a folder that exists, in one line each', () => {
    const bad = cli(root, ['new', 'connector', 'Acme_Shop', '--root', root]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^switchyard: "Acme_Shop" is not a connector id: use lower-case letters.*\n$/);
    mkdirSync(join(root, 'connectors', 'taken'), { recursive: true });
    const taken = cli(root, ['new', 'connector', 'taken', '--root', root]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toBe(
      'switchyard: connectors/taken already exists: choose another id, or remove that folder first\n',
    );
    const reserved = cli(root, ['new', 'connector', 'default', '--root', root]);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toBe(
      'switchyard: "default" is a word JavaScript keeps for itself: choose another id, e.g. default-shop\n',
    );
    const usage = cli(root, ['new', 'widget', 'acme', '--root', root]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: switchyard new connector <id>');
  });

  it('scaffolds again over the dangling link a removed connector left in node_modules', () => {
    const registry = join(root, 'connectors/registry/src/installed.ts');
    const before = readFileSync(registry, 'utf8');
    expect(cli(root, ['new', 'connector', 'gone-shop', '--root', root]).code).toBe(0);
    rmSync(join(root, 'connectors', 'gone-shop'), { recursive: true });
    writeFileSync(registry, before);
    const again = cli(root, ['new', 'connector', 'gone-shop', '--root', root]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(existsSync(join(root, 'node_modules/@switchyard/connector-gone-shop/src/index.ts'))).toBe(true);
  });
});
