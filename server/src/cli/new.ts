import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Flags, out, UsageError } from './shared.ts';

const TEMPLATE = fileURLToPath(new URL('./templates/connector/', import.meta.url));
const ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const REGISTRY = 'connectors/registry/src/installed.ts';
/** Words JavaScript keeps for itself: a connector named so could not be exported under its name. */
const RESERVED = new Set(
  'await break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(
    ' ',
  ),
);

/** The names a connector id gives: `acme-shop` → acmeShop, AcmeShop, "Acme Shop", ACME_SHOP. */
export function connectorNames(id: string) {
  const words = id.split('-');
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  return {
    __ID__: id,
    __IDENT__: words[0]! + words.slice(1).map(cap).join(''),
    __CLASS__: words.map(cap).join(''),
    __TITLE__: words.map(cap).join(' '),
    __ENV__: words.join('_').toUpperCase(),
  };
}

/** The repository a connector goes into: `--root`, or the nearest folder up from here holding the registry. */
function repositoryRoot(given: string | undefined): string {
  if (given) {
    const root = resolve(given);
    if (!existsSync(join(root, REGISTRY))) {
      throw new UsageError(`${root} has no ${REGISTRY}: give --root the folder of a Switchyard checkout`);
    }
    return root;
  }
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, REGISTRY))) return dir;
    if (dirname(dir) === dir) {
      throw new UsageError(
        `no Switchyard checkout here: run this inside one (it has ${REGISTRY}), or give --root`,
      );
    }
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function templateFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templateFiles(dir, join(prefix, entry.name))
      : entry.name.endsWith('.tmpl')
        ? [join(prefix, entry.name)]
        : [],
  );
}

/** The registry with one more export line, in the order of the package names. */
function withRegistryLine(registry: string, line: string): string {
  const lines = registry.trimEnd().split('\n');
  const exports = lines.flatMap((l, i) => (l.startsWith('export ') ? [i] : []));
  const next = exports.find(
    (i) => lines[i]!.slice(lines[i]!.indexOf(' from ')) > line.slice(line.indexOf(' from ')),
  );
  lines.splice(next ?? (exports.at(-1) ?? lines.length - 1) + 1, 0, line);
  return `${lines.join('\n')}\n`;
}

/**
 * `switchyard new connector <id>`: a working channel connector folder (webhook, pull, fulfillment push, an msw
 * fake of its vendor, a golden test, the contract kit), and its line in the registry. It passes lint, typecheck
 * and the kit as generated; the developer then replaces the imagined vendor's shapes with the real one's.
 */
export function newConnector(values: Flags, rest: string[]): void {
  const [what, id, ...extra] = rest;
  if (what !== 'connector' || !id || extra.length) {
    throw new UsageError('usage: switchyard new connector <id>   (an id such as acme or acme-shop)');
  }
  if (!ID.test(id) || id.length > 40) {
    throw new UsageError(
      `"${id}" is not a connector id: use lower-case letters and digits, words joined by single hyphens, starting with a letter (e.g. acme-shop), at most 40 characters`,
    );
  }
  const names = connectorNames(id);
  if (RESERVED.has(names.__IDENT__)) {
    throw new UsageError(`"${id}" is a word JavaScript keeps for itself: choose another id, e.g. ${id}-shop`);
  }
  const root = repositoryRoot(values.root);
  const folder = join(root, 'connectors', id);
  if (id === 'registry' || existsSync(folder)) {
    throw new UsageError(`connectors/${id} already exists: choose another id, or remove that folder first`);
  }
  const registryFile = join(root, REGISTRY);
  const registry = readFileSync(registryFile, 'utf8');
  const line = `export { ${names.__IDENT__} } from '@switchyard/connector-${id}';`;
  if (new RegExp(`export \\{ ${names.__IDENT__} \\}`).test(registry)) {
    throw new UsageError(
      `the registry already exports a connector named ${names.__IDENT__}: choose another id`,
    );
  }

  const written: string[] = [];
  for (const file of templateFiles(TEMPLATE)) {
    let text = readFileSync(join(TEMPLATE, file), 'utf8');
    let target = file.slice(0, -'.tmpl'.length);
    for (const [token, value] of Object.entries(names)) {
      text = text.replaceAll(token, value);
      target = target.replaceAll(token, value);
    }
    mkdirSync(dirname(join(folder, target)), { recursive: true });
    writeFileSync(join(folder, target), text);
    written.push(join('connectors', id, target));
  }
  writeFileSync(registryFile, withRegistryLine(registry, line));

  // Names longer or shorter than the template's move line breaks: the checkout's formatter puts them right.
  const biome = join(root, 'node_modules', '.bin', 'biome');
  if (existsSync(biome)) spawnSync(biome, ['format', '--write', folder], { cwd: root, stdio: 'ignore' });

  // What `npm install` does for a workspace, so that the hub and the tests find the package at once.
  const link = join(root, 'node_modules', '@switchyard', `connector-${id}`);
  // lstat, not exists: a link left dangling by a folder removed earlier is replaced, not tripped over.
  if (existsSync(dirname(link))) {
    if (isLink(link)) rmSync(link);
    if (!existsSync(link)) symlinkSync(relative(dirname(link), folder), link, 'dir');
  }

  out(
    [
      `created connectors/${id} (${written.length} files) and its line in ${REGISTRY}:`,
      ...written.sort().map((f) => `  ${f}`),
      '',
      'next:',
      '  npm install                          records the new workspace in package-lock.json (CI runs npm ci)',
      `  npx vitest run connectors/${id}`.padEnd(39) + 'the contract kit, green as generated',
      `  then make it the vendor's: settings.ts, webhook.ts, map-order.ts (rewrite its golden with -u, then read it),`,
      '  client.ts, pull.ts, actions.ts and test/fakes/, keeping the tests green (docs/connectors.md)',
    ].join('\n'),
  );
}
