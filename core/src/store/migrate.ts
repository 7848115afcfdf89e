import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any fixed number: serializes concurrent migrators (several hub processes starting at once). */
const LOCK_KEY = 7_305_917_204;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies the plain-SQL files of migrations/ in name order, in one transaction
 * (all or nothing), each recorded in schema_migrations with a checksum. Safe to run
 * twice and from several processes at once (an advisory lock serializes them). A
 * recorded migration whose file changed is an error.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
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
    for (const file of files) {
      const text = await readFile(`${dir}/${file}`, 'utf8');
      const checksum = createHash('sha256').update(text).digest('hex');
      const previous = recorded.get(file);
      if (previous === checksum) {
        result.alreadyApplied.push(file);
        continue;
      }
      if (previous !== undefined) {
        throw new HubError({
          type: 'migration-changed',
          title: 'Applied migration was edited',
          status: 500,
          detail: `migration ${file} was applied with checksum ${previous.slice(0, 12)} but the file now hashes to ${checksum.slice(0, 12)}`,
          fix: 'restore the original file and put the change in a new migration',
        });
      }
      await tx.unsafe(text);
      await tx`insert into schema_migrations (name, checksum) values (${file}, ${checksum})`;
      result.applied.push(file);
    }
    for (const name of recorded.keys()) {
      if (!files.includes(name)) {
        throw new HubError({
          type: 'migration-unknown',
          title: 'Database is newer than this hub',
          status: 500,
          detail: `the database has migration ${name}, which this version of the hub does not know`,
          fix: 'run the hub version that applied it, or a newer one',
        });
      }
    }
  });
  return result;
}
