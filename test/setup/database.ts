import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type EmbeddedServer, startEmbedded } from '@switchyard/core';
import type {} from '@switchyard/core/testing';
import type { TestProject } from 'vitest/node';

const root = fileURLToPath(new URL('../..', import.meta.url));
let embedded: EmbeddedServer | undefined;

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set, else the embedded server
 * (data under .switchyard-test/, the same code path a new user gets).
 */
export async function setup(project: TestProject) {
  let url = process.env.DATABASE_URL;
  if (!url) {
    embedded = await startEmbedded({ dir: join(root, '.switchyard-test', 'db') });
    url = embedded.url;
    // Databases left by an interrupted run of ours.
    const sql = connect(url, { max: 1 });
    for (const { datname } of await sql<
      { datname: string }[]
    >`select datname from pg_database where datname like 'sy_test_%'`) {
      await sql.unsafe(`drop database if exists "${datname}" with (force)`);
    }
    await sql.end();
  }
  project.provide('adminDatabaseUrl', url);
  project.provide('databaseKind', embedded ? 'embedded' : 'external');
}

export async function teardown() {
  await embedded?.stop();
}
