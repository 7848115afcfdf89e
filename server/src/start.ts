import cluster, { type Worker } from 'node:cluster';
import {
  describeError,
  HubError,
  isTransientDbError,
  type Problem,
  startHydrator,
  startNotificationQueues,
} from '@switchyard/core';
import { createApp } from './http/app.ts';
import { serveMetrics } from './http/metrics.ts';
import { type Hub, openHub } from './hub.ts';
import type { Logger } from './log.ts';
import { startJobRunner } from './operator/index.ts';
import { type Scheduler, startScheduler } from './scheduler.ts';
import { listen, type RunningServer } from './serve.ts';
import { startTracing, type Tracing } from './tracing.ts';
import { type RunningWorkflows, startWorkflows } from './workflows.ts';

export interface StartOptions {
  configFile?: string | undefined;
  port: number;
  hostname: string;
  /** Hub processes serving HTTP (SWITCHYARD_WORKERS, default 1). */
  workers: number;
  log: Logger;
}

/**
 * `switchyard start`. With one worker, one process does everything. With several,
 * the primary process owns the database (embedded server, migrations, config sync)
 * and supervises worker processes that share the port; each worker has its own
 * pool and intake queue. Workers drain on SIGTERM and exit if the primary dies.
 */
export async function start(options: StartOptions): Promise<void> {
  survivesLostConnections(options.log);
  if (cluster.isWorker) return startWorker(options);
  if (options.workers > 1) return startPrimary(options);
  return startSingle(options);
}

/**
 * When the database goes away, a library's background connection (the engine's notification listener, a pool
 * reconnecting) can reject a promise no one awaits: Node would end the process for it, and with it every
 * request in flight (under SWITCHYARD_WORKERS, the primary, and so every worker). A lost connection is logged
 * and survived: the pools reconnect, /healthz reports the outage. Any other unhandled rejection is a bug: it
 * is logged and the process exits as Node would.
 */
function survivesLostConnections(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isTransientDbError(reason)) {
      log.error('a database connection was lost in the background; carrying on', {
        error: describeError(reason),
      });
      return;
    }
    log.error('unhandled rejection: exiting', { error: describeError(reason) });
    process.exit(1);
  });
}

function onSignals(stop: (signal: string) => Promise<void>, log: Logger): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    void stop(signal).then(
      () => process.exit(0),
      (error) => {
        log.error('shutdown failed', { error: describeError(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}

/**
 * Serves the hub's HTTP app, with the job runner of this process (bulk replays, syncs and backfills queued by
 * the API and the console: every serving process runs them, one at a time each, claimed with a lease).
 */
async function serveHub(hub: Hub, options: StartOptions): Promise<RunningServer> {
  const jobs = startJobRunner(hub, options.log);
  const server = await listen(createApp(hub, options.log, { nudgeJobs: () => jobs.nudge() }), {
    port: options.port,
    hostname: options.hostname,
    log: options.log,
    limits: hub.config.server,
  }).catch(async (error) => {
    await jobs.stop();
    await hub.close();
    throw error;
  });
  return {
    ...server,
    async close(graceMs?: number) {
      await server.close(graceMs);
      // A job cut off here is taken up again, from its saved position, once its lease runs out.
      await jobs.stop();
    },
  };
}

/** /metrics on its own port, when server.metrics.port says so (else the main app serves it). */
async function metricsPort(hub: Hub, log: Logger): Promise<RunningServer | undefined> {
  const access = hub.config.server.metrics;
  if (access.port === undefined) return undefined;
  return serveMetrics(access.port, access.hostname, hub.metrics, { token: access.token, log });
}

async function startSingle(options: StartOptions): Promise<void> {
  const began = Date.now();
  const { log } = options;
  const hub = await openHub({ log, configFile: options.configFile, watchStore: true });
  const tracing = await startTracing(hub.config.server.tracing, log).catch(async (error) => {
    await hub.close();
    throw error;
  });
  const workflows = await startWorkflows(hub, log).catch(async (error) => {
    await hub.close();
    throw error;
  });
  const server = await serveHub(hub, options);
  const metrics = await metricsPort(hub, log).catch(async (error) => {
    await server.close();
    await hub.close();
    throw error;
  });
  // In every intake mode: normalizes at once what a previous run left received (a deferred run's backlog, even
  // after going back to sync), and with server.intake 'deferred' what the webhooks store from now on.
  hub.startNormalizer(log);
  const scheduler = startScheduler(hub, log);
  const thin = startThinWebhooks(hub, log, { hydrate: true, readQueues: true });
  log.info(`switchyard listening on ${server.url}`, {
    database: hub.databaseLabel,
    connections: [...hub.connections.keys()].join(','),
    readyMs: Date.now() - began,
  });
  onSignals(async (signal) => {
    log.info(`${signal}: draining in-flight requests, then stopping`);
    await Promise.all([server.close(), scheduler.stop(), thin.stop(), metrics?.close()]);
    await workflows.stop();
    await hub.close();
    await tracing.stop();
    log.info('stopped');
  }, log);
}

type WorkerMessage =
  | { type: 'listening'; url: string }
  // A HubError keeps its problem across the process boundary, so the CLI still exits 2 for a usage error.
  | { type: 'failed'; error: string; problem?: Problem };

async function startPrimary(options: StartOptions): Promise<void> {
  const began = Date.now();
  const { log } = options;
  const hub = await openHub({ log, configFile: options.configFile, poolSize: 2 });
  const tracing = await startTracing(hub.config.server.tracing, log).catch(async (error) => {
    await hub.close();
    throw error;
  });
  let stopping = false;
  let started = false;
  const crashes: number[] = [];

  /** SIGTERM to every worker (each drains its requests), SIGKILL to those still running after the grace period. */
  const stopWorkers = (graceMs: number) =>
    Promise.all(
      Object.values(cluster.workers ?? {})
        .filter((w): w is Worker => !!w && !w.isDead())
        .map(
          (w) =>
            new Promise<void>((resolve) => {
              const force = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
              w.once('exit', () => {
                clearTimeout(force);
                resolve();
              });
              w.process.kill('SIGTERM');
            }),
        ),
    );
  let scheduler: Scheduler | undefined;
  let thin: ThinWebhooks | undefined;
  let workflows: RunningWorkflows | undefined;
  let metrics: RunningServer | undefined;
  const shutdown = async (reason: string) => {
    stopping = true;
    log.info(`${reason}: draining the workers, then stopping`);
    await Promise.all([stopWorkers(15_000), scheduler?.stop(), thin?.stop(), metrics?.close()]);
    await workflows?.stop();
    await hub.close();
    await tracing.stop();
    log.info('stopped');
  };
  // Installed before the first fork: a signal during start stops what has started, database included.
  onSignals(shutdown, log);

  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const worker: Worker = cluster.fork({ SWITCHYARD_WORKER_DATABASE_URL: hub.databaseUrl });
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'listening') resolve(message.url);
        if (message.type === 'failed')
          reject(message.problem ? new HubError(message.problem) : new Error(message.error));
      });
      worker.on('exit', (code, signal) => {
        reject(new Error(`worker exited during start (${signal ?? code})`));
        if (stopping || !started) return; // a failed start is reported once, with no replacement
        crashes.push(Date.now());
        if (crashes.filter((t) => Date.now() - t < 60_000).length > 5) {
          log.error('workers keep crashing (more than 5 in a minute): stopping the hub');
          void shutdown('crash loop').finally(() => process.exit(1));
          return;
        }
        log.error('worker died; starting a replacement', { pid: worker.process.pid, exit: signal ?? code });
        fork().catch((error) =>
          log.error('replacement worker failed to start', { error: describeError(error) }),
        );
      });
    });

  let urls: string[];
  try {
    urls = await Promise.all(Array.from({ length: options.workers }, fork));
  } catch (error) {
    stopping = true;
    await stopWorkers(2_000);
    await hub.close();
    throw error;
  }
  started = true;
  // The primary pulls; the workers serve HTTP.
  scheduler = startScheduler(hub, log);
  // The workers hydrate what they answer; the primary reads the notification queues, once for all.
  thin = startThinWebhooks(hub, log, { hydrate: false, readQueues: true });
  workflows = await startWorkflows(hub, log);
  // The primary's view: workflows, pulls and the database's figures (each worker counts its own deliveries).
  metrics = await metricsPort(hub, log);
  log.info(`switchyard listening on ${urls[0]}`, {
    workers: options.workers,
    database: hub.databaseLabel,
    connections: [...hub.connections.keys()].join(','),
    readyMs: Date.now() - began,
  });
}

async function startWorker(options: StartOptions): Promise<void> {
  const { log } = options;
  const send = (message: WorkerMessage) => process.send?.(message);
  let hub: Hub;
  let server: RunningServer;
  let tracing: Tracing;
  try {
    hub = await openHub({
      log,
      configFile: options.configFile,
      databaseUrl: process.env.SWITCHYARD_WORKER_DATABASE_URL,
      migrate: false,
      quiet: true,
      // A worker's /healthz speaks for its own pool; the primary restarts the embedded server if it dies.
      watchStore: true,
    });
    tracing = await startTracing(hub.config.server.tracing, log);
    server = await serveHub(hub, options);
    // Each worker normalizes what it and the others store (claims never overlap), and any backlog left received.
    hub.startNormalizer(log);
  } catch (error) {
    send({
      type: 'failed',
      error: describeError(error),
      ...(error instanceof HubError ? { problem: error.problem } : {}),
    });
    process.exit(1);
  }
  send({ type: 'listening', url: server.url });
  const thin = startThinWebhooks(hub, log, { hydrate: true, readQueues: false });
  const stop = async () => {
    await Promise.all([server.close(), thin.stop()]);
    await hub.close();
    await tracing.stop();
  };
  onSignals(stop, log);
  // The primary is gone (killed): finish what is in flight and leave, so nothing holds the port.
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
}

interface ThinWebhooks {
  stop(): Promise<void>;
}

/**
 * Thin webhooks: the hydrator fetches what answered notifications name (at once when the webhook route nudges
 * it, and what a stop or crash left pending at start); the queue readers take `queue` connections' notifications.
 */
function startThinWebhooks(
  hub: Hub,
  log: Logger,
  run: { hydrate: boolean; readQueues: boolean },
): ThinWebhooks {
  // Only where a connection sends thin notifications: elsewhere there is nothing to look for every second.
  const thinConnections = [...hub.connections.values()].some((c) => c.connector.webhook?.hydrate);
  const hydrator =
    run.hydrate && thinConnections
      ? startHydrator({
          sql: hub.sql,
          connections: hub.connections,
          onTurn: (report) => {
            if (report.failed)
              log.warn('thin notifications could not be hydrated: see switchyard exceptions list', {
                ...report,
              });
          },
          onError: (error, failed) =>
            log.error('hydration failed; trying again', {
              error: describeError(error),
              retryInMs: failed.retryInMs,
            }),
        })
      : undefined;
  if (hydrator) hub.hydrator = hydrator;
  const queues = run.readQueues
    ? startNotificationQueues({
        sql: hub.sql,
        connections: hub.connections,
        onStored: () => hub.hydrator?.nudge(),
        // Left on the queue (its visibility timeout, then its dead-letter queue): said once per message.
        onRefused: (connection, reason) =>
          log.warn('queue message refused; left to the queue', { connection: connection.id, reason }),
        onError: (error, connection) =>
          log.error('reading the notification queue failed; trying again', {
            connection: connection.id,
            error: describeError(error),
          }),
      })
    : undefined;
  return {
    async stop() {
      await Promise.all([hydrator?.stop(), queues?.stop()]);
    },
  };
}
