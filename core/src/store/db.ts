import postgres, { type Sql } from 'postgres';
import { describeError, HubError } from '../errors.ts';

export type { Sql };

export interface ConnectOptions {
  /** Pool size (default 20). */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  name?: string;
}

/** Opens a postgres.js pool. bigint columns come back as strings (inbox ids exceed 2^53 in time). */
export function connect(url: string, options: ConnectOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 20,
    idle_timeout: 30,
    connect_timeout: 10,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    connection: { application_name: options.name ?? 'switchyard' },
  });
}

/** Checks that the server answers and is PostgreSQL 14 or newer. */
export async function checkServer(sql: Sql, url: string): Promise<void> {
  let version: number;
  try {
    const [row] = await sql<{ v: string }[]>`show server_version_num`;
    version = Number(row!.v);
  } catch (error) {
    throw new HubError(
      {
        type: 'database-unreachable',
        title: 'Database unreachable',
        status: 503,
        detail: `cannot reach PostgreSQL at ${redactUrl(url)}: ${describeError(error)}`,
        fix: 'check DATABASE_URL and that the server is running, or unset DATABASE_URL to use the embedded server',
      },
      { cause: error },
    );
  }
  if (version < 140000) {
    throw new HubError({
      type: 'database-too-old',
      title: 'PostgreSQL too old',
      status: 500,
      detail: `the server at ${redactUrl(url)} runs PostgreSQL ${Math.floor(version / 10000)}, the hub needs 14 or newer`,
      fix: 'upgrade the server or point DATABASE_URL at a newer one',
    });
  }
}

/** A connection URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
