import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any fixed number: serializes concurrent migrators (several hub processes starting at once). */
const LOCK_KEY = 7_305_917_204;

/**
 * A connector's own migrations (the tables only it reads): a folder of plain-SQL files, recorded as
 * `<owner>/<file>` and applied after core's, in name order. `replaces` names a core migration that once held
 * the same tables (before they moved into the connector): on a database where it was applied, the connector's
 * file is recorded in its place instead of being run.
 */
export interface MigrationSource {
  owner: string;
  dir: string;
  replaces?: Readonly<Record<string, string>>;
}

/** The migration folders of the installed connectors that keep tables of their own. */
export function connectorMigrations(
  connectors: Iterable<{
    id: string;
    migrations?: { dir: string; replaces?: Readonly<Record<string, string>> };
  }>,
): MigrationSource[] {
  return [...connectors].flatMap((c) => (c.migrations ? [{ owner: c.id, ...c.migrations }] : []));
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

interface Migration {
  /** As recorded in schema_migrations: the file name for core's, `<owner>/<file>` for a connector's. */
  name: string;
  path: string;
  /** The core migration this one took over, when the tables moved (see MigrationSource). */
  replaces?: string | undefined;
}

async function listed(dir: string, owner?: MigrationSource): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file) => ({
    name: owner ? `${owner.owner}/${file}` : file,
    path: join(dir, file),
    replaces: owner?.replaces?.[file],
  }));
}

/**
 * Applies core's plain-SQL files of migrations/ in name order, then each connector's (`sources`), in one
 * transaction (all or nothing), each recorded in schema_migrations with a checksum. Safe to run twice and from
 * several processes at once (an advisory lock serializes them). A recorded migration whose file changed is an
 * error, and so is one this hub does not know.
 */
export async function migrate(
  sql: Sql,
  sources: readonly MigrationSource[] = [],
  dir = MIGRATIONS_DIR,
): Promise<MigrationResult> {
  const migrations = [
    ...(await listed(dir)),
    ...(await Promise.all(sources.map((source) => listed(source.dir, source)))).flat(),
  ];
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`
      create table if not exists schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    const recorded = new Map(
      (await tx<{ name: string; checksum: string }[]>`select name, checksum from schema_migrations`).map(
        (r) => [r.name, r.checksum],
      ),
    );
    for (const { name, path, replaces } of migrations) {
      const text = await readFile(path, 'utf8');
      const checksum = createHash('sha256').update(text).digest('hex');
      if (replaces && !recorded.has(name) && recorded.has(replaces)) {
        // Its tables exist already, made by the core migration it replaces: record the move, run nothing.
        await tx`update schema_migrations set name = ${name}, checksum = ${checksum} where name = ${replaces}`;
        recorded.delete(replaces);
        recorded.set(name, checksum);
      }
      const previous = recorded.get(name);
      if (previous === checksum) {
        result.alreadyApplied.push(name);
        continue;
      }
      if (previous !== undefined) {
        throw new HubError({
          type: 'migration-changed',
          title: 'Applied migration was edited',
          status: 500,
          detail: `migration ${name} was applied with checksum ${previous.slice(0, 12)} but the file now hashes to ${checksum.slice(0, 12)}`,
          fix: 'restore the original file and put the change in a new migration',
        });
      }
      await tx.unsafe(text);
      await tx`insert into schema_migrations (name, checksum) values (${name}, ${checksum})`;
      result.applied.push(name);
    }
    const known = new Set(migrations.map((m) => m.name));
    for (const name of recorded.keys()) {
      if (!known.has(name)) {
        throw new HubError({
          type: 'migration-unknown',
          title: 'Database is newer than this hub',
          status: 500,
          detail: `the database has migration ${name}, which this hub does not know${
            name.includes('/')
              ? ` (is the connector ${name.split('/')[0]} installed?)`
              : ': the database is newer than this hub, or the tables it made moved into a connector that is not installed (that connector names it in migrations.replaces; 0010_edi.sql is x12’s)'
          }`,
          fix: 'run the hub version that applied it, or a newer one, with the same connectors installed',
        });
      }
    }
  });
  return result;
}
