import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  authorizedAccess,
  ConfigError,
  type Connection,
  checkServer,
  configPath,
  connect,
  connectionContext,
  connectorMigrations,
  DeferredIntake,
  describeError,
  type EmbeddedServer,
  HubError,
  type Hydrator,
  IntakeQueue,
  importConfig,
  loadConnections,
  migrate,
  type Normalizer,
  observeTokenStates,
  type ResolvedConfig,
  recordTokenState,
  redactUrl,
  resolveConfig,
  SecretBox,
  type Sql,
  startEmbedded,
  startNormalizer,
  syncConfig,
} from '@switchyard/core';
import { resolveBooksPlans, resolvePlans, type WorkflowAdmin } from '@switchyard/workflows';
import { installedConnectors } from './connectors.ts';
import { type StoreHealth, watchStore } from './health.ts';
import type { Logger } from './log.ts';
import { createMetrics, type HubMetrics } from './metrics.ts';
import { workflowAdminFor } from './workflows.ts';

/** How often a hub in sync mode looks for received deliveries another process left (they are drained at start). */
const SYNC_IDLE_LOOK_MS = 10_000;

/** Everything a running hub (or one CLI command) needs: config, database, connections. */
export interface Hub {
  config: ResolvedConfig;
  sql: Sql;
  /** Seals what the store keeps secret (OAuth grants): the hub's key from SWITCHYARD_SECRET_KEY or its state folder. */
  box: SecretBox;
  connections: ReadonlyMap<string, Connection>;
  /**
   * Webhook intake with group commit: `IntakeQueue` answers after normalization (server.intake 'sync', the
   * default), `DeferredIntake` once the delivery is stored raw (server.intake 'deferred').
   */
  intake: IntakeQueue | DeferredIntake;
  /**
   * Starts normalizing received deliveries, in a process that serves HTTP (`switchyard start`); stopped by
   * close(). In every intake mode: with 'deferred' it normalizes what the intake stores, nudged by each commit;
   * with 'sync' it drains what a deferred run left received (an operator who went back to sync), then idles on
   * one cheap indexed lookup now and then. Either way it logs, at start, how many deliveries were left received.
   */
  startNormalizer(log: Logger): Normalizer;
  /** Fetches what thin notifications name, after their answer: set by `switchyard start` in processes that serve. */
  hydrator?: Hydrator;
  /** Where the database lives, for messages: the URL with its password masked. */
  databaseLabel: string;
  /** The connection URL itself (with its password): for worker processes, never for logs. */
  databaseUrl: string;
  /** Whether this process reaches its store, when opened with `watchStore` (a process serving /healthz). */
  health?: StoreHealth;
  tenant(explicit?: string): string;
  /**
   * What operators do to workflows (look, cancel, replay), on the engine the hub runs; undefined when no
   * connection drives a workflow. Made on first use, closed with the hub.
   */
  workflowAdmin(): WorkflowAdmin | undefined;
  /** Prometheus metrics (metrics.ts): fed by the intake, the engine and the vendor client. */
  metrics: HubMetrics;
  close(): Promise<void>;
}

export interface OpenOptions {
  cwd?: string;
  configFile?: string;
  /** Defaults to process.env.DATABASE_URL; without one the embedded server is used. */
  databaseUrl?: string | undefined;
  log: Logger;
  poolSize?: number;
  /** Apply migrations and sync the config into the database (default true; worker processes leave it to the primary). */
  migrate?: boolean;
  /** Skip the start-up warnings (worker processes: the primary already gave them). */
  quiet?: boolean;
  /** Ping the store every few seconds for /healthz (processes serving HTTP); stopped by close(). */
  watchStore?: boolean;
}

/** Loads and validates the config, without touching the database. */
export async function loadConfig(
  file: string | undefined,
  cwd = process.cwd(),
): Promise<{ config: ResolvedConfig; file: string }> {
  const path = configPath(file, cwd);
  const raw = await importConfig(path);
  const config = resolveConfig(raw, installedConnectors, process.env, path);
  // Fulfillment sections name other connections: checked here, with the rest of the config.
  const issues = [
    ...resolvePlans(config.connections, installedConnectors, config.locations).issues,
    ...resolveBooksPlans(config.connections, installedConnectors).issues,
  ];
  if (issues.length) throw new ConfigError(issues, path);
  return { config, file: path };
}

/** The key that seals stored credentials: SWITCHYARD_SECRET_KEY, else one generated under .switchyard/ for development. */
function secretBox(stateDir: string, log: Logger): SecretBox {
  const fromEnv = process.env.SWITCHYARD_SECRET_KEY;
  if (fromEnv) return SecretBox.fromString(fromEnv);
  const file = join(stateDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, SecretBox.generateKey(), { mode: 0o600, flag: 'wx' });
    log.warn('SWITCHYARD_SECRET_KEY is not set: generated a development key; set it in production', { file });
  }
  return SecretBox.fromString(readFileSync(file, 'utf8'));
}

export async function openHub(options: OpenOptions): Promise<Hub> {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log;
  const { config } = await loadConfig(options.configFile, cwd);
  for (const c of options.quiet ? [] : config.connections) {
    for (const name of c.defaultedEnv) {
      log.warn(
        `connection ${c.id} uses the development default for ${name}; set ${name} before exposing the hub`,
      );
    }
    // A marketplace that cancels what is not acknowledged in time (Walmart) is acknowledged by the order workflow.
    const connector = installedConnectors.get(c.connector);
    if (connector?.actions?.acknowledgeOrder && !c.fulfillment) {
      log.warn(
        `connection ${c.id} (${connector.title}) has no fulfillment section: its orders are imported but not acknowledged, and ${connector.title} cancels orders not acknowledged in time; add one, or acknowledge them elsewhere`,
      );
    }
  }
  const stateDir = join(cwd, '.switchyard');
  const url = options.databaseUrl === undefined ? process.env.DATABASE_URL : options.databaseUrl;
  let embedded: EmbeddedServer | undefined;
  let databaseUrl: string;
  if (url) {
    databaseUrl = url;
  } else {
    // The embedded server is restarted by this process if it dies; a failed restart is logged as an error.
    embedded = await startEmbedded({ dir: stateDir, log: (line, level = 'info') => log[level](line) });
    databaseUrl = embedded.url;
  }
  const sql = connect(databaseUrl, { max: options.poolSize ?? 20 });
  try {
    await checkServer(sql, databaseUrl);
    const box = secretBox(stateDir, log);
    if (options.migrate !== false) {
      const result = await migrate(sql, connectorMigrations(installedConnectors.values()));
      if (result.applied.length) log.info('applied migrations', { migrations: result.applied.join(',') });
      await syncConfig(sql, config, box);
    }
    const connections = new Map<string, Connection>();
    for (const stored of await loadConnections(sql, box)) {
      const connector = installedConnectors.get(stored.connector);
      const configured = config.connections.find((c) => c.id === stored.id);
      if (!connector || !configured) continue;
      const connection: Connection = {
        id: stored.id,
        tenantId: stored.tenantId,
        connector,
        settings: connector.settings.parse(stored.settings),
        secrets: connector.secrets.parse(stored.secrets),
      };
      const flow = connector.authorization;
      // An OAuth connection's grant lives in the store (sealed), refreshed by one process at a time.
      if (flow)
        connection.authorization = authorizedAccess({
          sql,
          box,
          connectionId: stored.id,
          refresh: (refreshToken, signal) =>
            flow.refresh(connectionContext(connection), refreshToken, signal),
        });
      connections.set(stored.id, connection);
    }
    const tenantIds = config.tenants.map((t) => t.id);
    const drivesWorkflows =
      resolvePlans(config.connections, installedConnectors, config.locations).plans.size > 0 ||
      resolveBooksPlans(config.connections, installedConnectors).plans.size > 0;
    let admin: WorkflowAdmin | undefined;
    let normalizer: Normalizer | undefined;
    const queue = new IntakeQueue(sql);
    const intake =
      config.server.intake === 'deferred'
        ? new DeferredIntake(sql, { queue, onStored: () => normalizer?.nudge() })
        : queue;
    const metrics = createMetrics({ sql, config, processMetrics: options.watchStore === true });
    // Token states go to the store, so that every hub process's health shows what the one minting knows.
    const stopTokenStates = observeTokenStates((connectionId, state) => {
      if (!connections.has(connectionId)) return;
      recordTokenState(sql, connectionId, state).catch((error) =>
        log.warn('could not keep a token state for connection health', {
          connection: connectionId,
          error: describeError(error),
        }),
      );
    });
    // Its own connection: a ping queued behind a busy pool would call a busy hub unhealthy.
    const healthSql = options.watchStore ? connect(databaseUrl, { max: 1 }) : undefined;
    const health = healthSql
      ? watchStore(healthSql, { unhealthyAfterMs: config.server.unhealthyAfterMs, log })
      : undefined;
    return {
      config,
      sql,
      box,
      connections,
      intake,
      metrics,
      startNormalizer(log) {
        const deferred = config.server.intake === 'deferred';
        normalizer ??= startNormalizer({
          sql,
          connections,
          // In sync mode nothing new is received by this process: look rarely, for another process's leftovers.
          everyMs: deferred ? 1_000 : SYNC_IDLE_LOOK_MS,
          onBacklog: (received) =>
            log.info(
              `${received} deliveries were left received (stored, not yet normalized) by an earlier run; normalizing them now`,
              { received, intake: config.server.intake },
            ),
          onError: (error, failed) =>
            log.error('normalizing received deliveries failed; trying again', {
              error: describeError(error),
              retryInMs: failed.retryInMs,
            }),
        });
        return normalizer;
      },
      databaseUrl,
      ...(health ? { health } : {}),
      databaseLabel: embedded
        ? `embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in .switchyard/)`
        : redactUrl(databaseUrl),
      tenant(explicit) {
        if (explicit) {
          if (!tenantIds.includes(explicit)) {
            throw new HubError({
              type: 'unknown-tenant',
              title: 'Unknown tenant',
              status: 404,
              detail: `no tenant "${explicit}" in the config`,
              fix: `use one of: ${tenantIds.join(', ')}`,
            });
          }
          return explicit;
        }
        if (tenantIds.length === 1) return tenantIds[0]!;
        throw new HubError({
          type: 'tenant-required',
          title: 'Tenant required',
          status: 400,
          detail: `the config has ${tenantIds.length} tenants`,
          fix: `pass --tenant <id>, one of: ${tenantIds.join(', ')}`,
        });
      },
      workflowAdmin() {
        if (!drivesWorkflows) return undefined;
        admin ??= workflowAdminFor(sql, databaseUrl);
        return admin;
      },
      async close() {
        stopTokenStates();
        metrics.close();
        health?.stop();
        await admin?.close().catch(() => undefined);
        // The turn in flight finishes or rolls back (its deliveries stay received for the next start).
        await normalizer?.stop();
        await Promise.all([sql.end({ timeout: 5 }), healthSql?.end({ timeout: 1 })]);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}
