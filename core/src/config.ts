import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigSchema, EnvRefSchema, fixFor, formatPath } from './config-schema.ts';
import type { AnyConnector } from './connector/index.ts';
import { HubError } from './errors.ts';
import { parseDuration, resolveServer, type ServerLimits } from './server-limits.ts';

export {
  type LogFormat,
  type MetricsAccess,
  parseSize,
  type ServerLimits,
  serverLimits,
} from './server-limits.ts';

/** A reference to an environment variable; secrets in config are always references. */
export interface EnvRef {
  $env: string;
  /** A fallback for local development only; the hub warns whenever it is used. */
  default?: string;
}

export function env(name: string, options: { default?: string } = {}): EnvRef {
  return options.default === undefined ? { $env: name } : { $env: name, default: options.default };
}

export interface ConnectionConfig {
  /** Unique across the hub; appears in URLs (`/webhooks/<id>`). */
  id: string;
  tenant: string;
  connector: string;
  settings?: Record<string, unknown>;
  secrets?: Record<string, EnvRef>;
  /** Pull this connection on a schedule ("30s", "10m", "1h"); its connector must be able to pull. */
  poll?: { every: string };
  /**
   * Drive this channel's new orders through the order workflow: payment policy, the payments and shipping
   * connections, ship-from address, shipping rules, parcel. Checked by the workflows package at load.
   */
  fulfillment?: Record<string, unknown>;
  /**
   * Keep this channel's stock figures true (a connector with inventory.push): which hub locations make each of
   * its figures, the buffer, and whether it is the system of record for some. Checked by the workflows package.
   */
  stock?: Record<string, unknown>;
  /**
   * Post this channel's orders to the merchant's books (a QuickBooks Online or Xero connection): one document
   * per order or a daily summary journal, by the mapping of accounts, items, tax codes and customers. Checked
   * by the workflows package.
   */
  accounting?: Record<string, unknown>;
}

export interface HubConfig {
  tenants: { id: string; name: string }[];
  connections: ConnectionConfig[];
  /**
   * Where stock is held and orders ship from (warehouses, stores, 3PLs, dropship partners), each for one
   * tenant: address, the channels and countries it serves, priority, cost per shipment, its shipping
   * connection. With locations, a channel's orders are routed (its `fulfillment.routing`). Checked by the
   * workflows package against mappings' StockLocation.
   */
  locations?: Record<string, unknown>[];
  server?: {
    /** Largest accepted webhook or EDI body: bytes, or a string like "5mb" (default 5 MB, at most 64 MB). */
    bodyLimit?: number | string;
    /**
     * Bytes of request bodies the hub holds at once before they are authenticated (default 32 MB, at least
     * bodyLimit). A body that would pass it is answered 503 with Retry-After instead of being read.
     */
    bodyMemory?: number | string;
    /** How long a client may take to send a whole request, headers and body (default "30s"). */
    requestTimeout?: string;
    /** How long a client may take to send the request headers (default "10s", at most requestTimeout). */
    headersTimeout?: string;
    /** Open connections the hub keeps at once; further ones are refused (default 1024). */
    maxConnections?: number;
    /** /healthz answers 503 once the database has been unreachable this long (default "30s"). */
    unhealthyAfter?: string;
    /** Where vendors reach this hub (https://hub.example.com): webhook subscriptions point at <publicUrl>/webhooks/<id>. */
    publicUrl?: string;
    /** 'sync' (default): a webhook is answered after normalization; 'deferred': once stored raw, normalized behind. */
    intake?: 'sync' | 'deferred';
    /**
     * The log's format: 'auto' (default: the human-readable lines on a terminal, JSON lines otherwise), 'json'
     * or 'pretty'. SWITCHYARD_LOG_FORMAT, when set, takes precedence.
     */
    log?: 'auto' | 'json' | 'pretty';
    /**
     * GET /metrics (Prometheus). `token`: a scrape must send `Authorization: Bearer <token>` (at least 16
     * characters). `port`: served on that port only, bound to `hostname` (default 127.0.0.1), not on the main
     * one. With neither, /metrics answers on the main port to loopback clients only.
     */
    metrics?: { token?: EnvRef; port?: number; hostname?: string };
    /**
     * OpenTelemetry traces, off unless set: spans of HTTP requests and vendor calls exported over OTLP/HTTP to
     * `otlpEndpoint` (e.g. http://127.0.0.1:4318/v1/traces). Needs `npm install @opentelemetry/sdk-node
     * @opentelemetry/exporter-trace-otlp-http` (not installed by default).
     */
    tracing?: { otlpEndpoint: string; serviceName?: string };
  };
}

/** Typed identity: gives editors completion and type errors in switchyard.config.ts. */
export function defineConfig(config: HubConfig): HubConfig {
  return config;
}

export interface ResolvedConnection {
  id: string;
  tenantId: string;
  connector: string;
  settings: unknown;
  secrets: Record<string, string>;
  /** Names of environment variables that were unset and fell back to a development default. */
  defaultedEnv: string[];
  /** Milliseconds between scheduled pulls, when polled. */
  pollEveryMs?: number;
  /** The connection's `fulfillment` section as written; the workflows package checks and resolves it. */
  fulfillment?: Record<string, unknown>;
  /** The connection's `stock` section as written; checked and resolved by the workflows package. */
  stock?: Record<string, unknown>;
  /** The connection's `accounting` section as written; checked and resolved by the workflows package. */
  accounting?: Record<string, unknown>;
}

export interface ResolvedConfig {
  tenants: { id: string; name: string }[];
  connections: ResolvedConnection[];
  /** The `locations` as written (none when absent); checked and resolved by the workflows package. */
  locations?: Record<string, unknown>[];
  server: ServerLimits;
}

export interface ConfigIssue {
  path: string;
  problem: string;
  fix: string;
}

export class ConfigError extends HubError {
  constructor(
    readonly issues: ConfigIssue[],
    readonly file?: string,
  ) {
    super({
      type: 'invalid-config',
      title: 'Invalid configuration',
      status: 500,
      detail: `${file ?? 'the configuration'} has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${issues
        .map((i) => `${i.path}: ${i.problem} (fix: ${i.fix})`)
        .join('; ')}`,
      issues,
    });
  }
}

/**
 * Validates a config against the installed connectors and resolves secret
 * references from the environment. Collects every problem before failing, each
 * with its exact path and a fix.
 */
export function resolveConfig(
  raw: unknown,
  connectors: ReadonlyMap<string, AnyConnector>,
  environment: Readonly<Record<string, string | undefined>> = process.env,
  file?: string,
): ResolvedConfig {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ path: formatPath(i.path, raw), problem: i.message, fix: fixFor(i) })),
      file,
    );
  }
  const config = parsed.data;
  const issues: ConfigIssue[] = [];
  const tenantIds = new Set<string>();
  config.tenants.forEach((t, i) => {
    if (tenantIds.has(t.id))
      issues.push({
        path: `tenants[${i}].id`,
        problem: `duplicate tenant id "${t.id}"`,
        fix: 'give each tenant its own id',
      });
    tenantIds.add(t.id);
  });

  const connectionIds = new Set<string>();
  const connections: ResolvedConnection[] = [];
  config.connections.forEach((c, i) => {
    const at = `connections[${i}](id "${c.id}")`;
    if (connectionIds.has(c.id))
      issues.push({
        path: `${at}.id`,
        problem: `duplicate connection id "${c.id}"`,
        fix: 'connection ids are unique across all tenants',
      });
    connectionIds.add(c.id);
    if (!tenantIds.has(c.tenant)) {
      issues.push({
        path: `${at}.tenant`,
        problem: `no tenant "${c.tenant}"`,
        fix: `use one of ${[...tenantIds].map((t) => `"${t}"`).join(', ')} or declare it under tenants`,
      });
    }
    const connector = connectors.get(c.connector);
    if (!connector) {
      issues.push({
        path: `${at}.connector`,
        problem: `no connector "${c.connector}" is installed`,
        fix: `use one of ${[...connectors.keys()].map((k) => `"${k}"`).join(', ')}`,
      });
      return;
    }
    const settings = connector.settings.safeParse(c.settings ?? {});
    if (!settings.success) {
      for (const issue of settings.error.issues) {
        issues.push({
          path: `${at}.settings${issue.path.length ? '.' : ''}${issue.path.join('.')}`,
          problem: issue.message,
          fix: fixFor(issue),
        });
      }
    }
    const secrets: Record<string, string> = {};
    const defaultedEnv: string[] = [];
    for (const [name, ref] of Object.entries(c.secrets ?? {})) {
      const refParsed = EnvRefSchema.safeParse(ref);
      if (!refParsed.success) {
        issues.push({
          path: `${at}.secrets.${name}`,
          problem: 'a secret must be a reference to an environment variable, never a literal',
          fix: `write env('${name.replace(/[A-Z]/g, (l) => `_${l}`).toUpperCase()}') and set that variable`,
        });
        continue;
      }
      const value = environment[refParsed.data.$env];
      if (value === '') {
        // Set but empty is a deployment mistake (an unfilled template), never a request for the default.
        issues.push({
          path: `${at}.secrets.${name}`,
          problem: `environment variable ${refParsed.data.$env} is set but empty`,
          fix: `give ${refParsed.data.$env} a value${refParsed.data.default !== undefined ? ', or unset it to use the development default' : ''}`,
        });
      } else if (value !== undefined) secrets[name] = value;
      else if (refParsed.data.default !== undefined) {
        secrets[name] = refParsed.data.default;
        defaultedEnv.push(refParsed.data.$env);
      } else {
        issues.push({
          path: `${at}.secrets.${name}`,
          problem: `environment variable ${refParsed.data.$env} is not set`,
          fix: `export ${refParsed.data.$env}=<value> before starting the hub`,
        });
      }
    }
    const parsedSecrets = connector.secrets.safeParse(secrets);
    if (!parsedSecrets.success) {
      for (const issue of parsedSecrets.error.issues) {
        const key = issue.path.join('.');
        // A missing env var was already reported above; report schema problems only for values we have.
        if (key && !(key in secrets) && c.secrets?.[key] !== undefined) continue;
        issues.push({
          path: `${at}.secrets${key ? '.' : ''}${key}`,
          problem: issue.message,
          fix: key in secrets ? 'set the variable to a valid value' : `add ${key}: env('…') under secrets`,
        });
      }
    }
    if (settings.success && parsedSecrets.success) {
      let pollEveryMs: number | undefined;
      if (c.poll) {
        pollEveryMs = parseDuration(c.poll.every);
        if (pollEveryMs === undefined || pollEveryMs < 10_000 || pollEveryMs > 86_400_000) {
          issues.push({
            path: `${at}.poll.every`,
            problem: `"${c.poll.every}" is not a duration from 10 s to 24 h`,
            fix: 'write it like "30s", "10m" or "1h"',
          });
        }
        if (!connector.capabilities.includes('orders.pull')) {
          issues.push({
            path: `${at}.poll`,
            problem: `connector "${c.connector}" cannot pull`,
            fix: 'remove poll from this connection',
          });
        }
      }
      connections.push({
        id: c.id,
        tenantId: c.tenant,
        connector: c.connector,
        settings: settings.data,
        secrets: parsedSecrets.data as Record<string, string>,
        defaultedEnv,
        ...(pollEveryMs !== undefined ? { pollEveryMs } : {}),
        ...(c.fulfillment ? { fulfillment: c.fulfillment } : {}),
        ...(c.stock ? { stock: c.stock } : {}),
        ...(c.accounting ? { accounting: c.accounting } : {}),
      });
    }
  });

  const server = resolveServer(config.server ?? {}, issues, environment);
  if (issues.length) throw new ConfigError(issues, file);
  return { tenants: config.tenants, connections, locations: config.locations ?? [], server: server! };
}

/** Finds the config file: an explicit path, SWITCHYARD_CONFIG, or ./switchyard.config.ts. */
export function configPath(explicit?: string, cwd = process.cwd()): string {
  return resolve(cwd, explicit ?? process.env.SWITCHYARD_CONFIG ?? 'switchyard.config.ts');
}

/** Imports a config module (TypeScript is loaded by the tsx loader the CLI runs under). */
export async function importConfig(file: string): Promise<unknown> {
  if (!existsSync(file)) {
    throw new ConfigError([
      {
        path: file,
        problem: 'the file does not exist',
        fix: 'create switchyard.config.ts (see the README) or pass --config <file>',
      },
    ]);
  }
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (mod.default === undefined) {
      throw new ConfigError(
        [
          {
            path: file,
            problem: 'the module has no default export',
            fix: 'export default defineConfig({ ... })',
          },
        ],
        file,
      );
    }
    return mod.default;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      [
        {
          path: file,
          problem: `it failed to load: ${(error as Error).message}`,
          fix: 'fix the syntax or import error it names',
        },
      ],
      file,
    );
  }
}
