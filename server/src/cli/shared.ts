import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeError } from '@switchyard/core';
import { type Hub, loadConfig, openHub } from '../hub.ts';
import { createLogger } from '../log.ts';

/** A usage or input error: exit 2 with one line. */
export class UsageError extends Error {}

export type Flags = {
  config?: string | undefined;
  tenant?: string | undefined;
  json?: boolean | undefined;
  status?: string | undefined;
  limit?: string | undefined;
  after?: string | undefined;
  header?: string[] | undefined;
  connection?: string | undefined;
  port?: string | undefined;
  since?: string | undefined;
  restart?: boolean | undefined;
  url?: string | undefined;
  partner?: string | undefined;
  kind?: string | undefined;
  cursor?: string | undefined;
  root?: string | undefined;
  role?: string | undefined;
  name?: string | undefined;
};

export function out(value: unknown) {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n');
}

export async function withHub<T>(values: Flags, fn: (hub: Hub) => Promise<T>): Promise<T> {
  const hub = await openHub({
    log: createLogger({ level: 'error' }),
    configFile: values.config,
    poolSize: 2,
  });
  try {
    return await fn(hub);
  } finally {
    await hub.close();
  }
}

/** `--limit`: a positive whole number (at most `max` when given), `fallback` (50) when absent. */
export function limitOf(
  values: Flags,
  { fallback = 50, max }: { fallback?: number; max?: number } = {},
): number {
  const limit = values.limit ? Number(values.limit) : fallback;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit "${values.limit}" must be a positive whole number`);
  }
  if (max !== undefined && limit > max) {
    throw new UsageError(`--limit "${values.limit}" must be at most ${max}`);
  }
  return limit;
}

/** A file the command reads, or a one-line usage error naming why it cannot be read. */
export function readInput(file: string): Buffer {
  try {
    return readFileSync(resolve(file));
  } catch (error) {
    throw new UsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}`,
    );
  }
}

/**
 * A connection of the config by id, made for `connectorId`, or a usage error naming why not. Read from the
 * config file alone: no database is opened.
 */
export async function configuredConnection(values: Flags, id: string, connectorId: string) {
  const { config } = await loadConfig(values.config);
  const configured = config.connections.find((c) => c.id === id);
  if (!configured) throw new UsageError(`no connection "${id}" in the config`);
  if (configured.connector !== connectorId)
    throw new UsageError(`connection "${id}" uses ${configured.connector}, not ${connectorId}`);
  return configured;
}

/** The configured connection by id, or a usage error naming those there are. */
export function connectionOf(hub: Hub, id: string) {
  const connection = hub.connections.get(id);
  if (!connection)
    throw new UsageError(`no connection "${id}"; configured: ${[...hub.connections.keys()].join(', ')}`);
  return connection;
}
