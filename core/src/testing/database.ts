import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { serverLimits } from '../config.ts';
import { SecretBox } from '../secrets.ts';
import { connect, type Sql } from '../store/db.ts';
import { type MigrationSource, migrate } from '../store/migrate.ts';
import { syncConfig } from '../store/tenants.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose role may create databases: each test file makes its own (test/setup/database.ts). */
    adminDatabaseUrl: string;
    databaseKind: 'embedded' | 'external';
  }
}

export interface TestDatabase {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database on the run's PostgreSQL (embedded, or DATABASE_URL),
 * so test files never see each other's rows. Call drop() in afterAll.
 */
export async function createTestDatabase(
  /** `migrations`: the connectors' own, applied after core's (e.g. `connectorMigrations([x12])`). */
  options: { migrate?: boolean; migrations?: readonly MigrationSource[] } = {},
): Promise<TestDatabase> {
  const admin = inject('adminDatabaseUrl');
  const name = `sy_test_${randomBytes(6).toString('hex')}`;
  const server = postgres(admin, { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${name}`);
  await server.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const sql = connect(url.toString(), { max: 10 });
  if (options.migrate !== false) await migrate(sql, options.migrations);
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const again = postgres(admin, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/**
 * A test database holding the tenants `acme` and `other` and the connection `shop` of the test connector
 * (fixtures.ts): the ground the intake suites stand on.
 */
export async function createShopDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  await syncConfig(
    db.sql,
    {
      tenants: [
        { id: 'acme', name: 'Acme' },
        { id: 'other', name: 'Other' },
      ],
      connections: [
        { id: 'shop', tenantId: 'acme', connector: 'test-json', settings: {}, secrets: {}, defaultedEnv: [] },
      ],
      server: serverLimits({ bodyLimit: 1024 }),
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
  return db;
}
