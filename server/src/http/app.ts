import { describeError } from '@switchyard/core';
import { Hono } from 'hono';
import type { ApiDeps } from '../api/index.ts';
import { apiRoutes } from '../api/index.ts';
import { consoleRoutes } from '../console/index.ts';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { HubMetrics } from '../metrics.ts';
import { traceRequests } from '../tracing.ts';
import { bodyBudget } from './body-budget.ts';
import { ediRoutes } from './edi.ts';
import { metricsAuth, metricsRoutes, requestId } from './metrics.ts';
import { oauthRoutes } from './oauth.ts';
import { problem, problemOf } from './problem.ts';
import { webhookRoutes } from './webhooks.ts';

export interface AppOptions {
  now?: () => Date;
  /** Tells this process's job runner that the API or the console queued a job. */
  nudgeJobs?: () => void;
  /** This process's recent vendor calls per connection, for the connections' health. */
  vendorStats?: ApiDeps['vendorStats'];
}

/** The hub's HTTP surface. */
export function createApp(
  hub: Pick<Hub, 'sql' | 'intake' | 'connections' | 'config' | 'health'> &
    Partial<Pick<Hub, 'workflowAdmin' | 'box'>> & { metrics?: HubMetrics },
  log: Logger,
  options: AppOptions = {},
) {
  const app = new Hono();
  // Spans only when server.tracing is set (the tracer is a no-op otherwise, and costs nothing unmounted).
  if (hub.config.server.tracing) app.use('*', traceRequests());
  app.use('*', requestId(log));

  // Alive, and reaching the store or not for long (server.unhealthyAfter): past that, look at the process.
  app.get('/healthz', (c) => {
    const downMs = hub.health?.downForMs() ?? 0;
    if (!hub.health || !downMs) return c.json({ status: 'ok' });
    const storeDownSeconds = Math.floor(downMs / 1000);
    if (!hub.health.unhealthy()) return c.json({ status: 'ok', storeDownSeconds });
    return problem({
      type: 'unhealthy',
      title: 'Unhealthy',
      status: 503,
      detail: `the database has not answered for ${storeDownSeconds} s (server.unhealthyAfter: ${Math.round(hub.health.unhealthyAfterMs / 1000)} s)`,
      fix: 'read the hub log for why (with the embedded database, also .switchyard/postgres.log)',
      storeDownSeconds,
    });
  });

  app.get('/readyz', async (c) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        hub.sql`select 1`,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2000);
        }),
      ]);
      return c.json({ status: 'ready' });
    } catch (error) {
      // The error names hosts, ports and users: it goes to the log, not to whoever asks.
      log.warn('not ready: the database does not answer', { error: describeError(error) });
      return problem({
        type: 'not-ready',
        title: 'Not ready',
        status: 503,
        detail: 'the database does not answer',
        fix: 'retry later; the hub log says why',
      });
    } finally {
      clearTimeout(timer);
    }
  });

  // Prometheus metrics on the main port (unless server.metrics.port serves them apart): a token, or loopback only.
  if (hub.metrics && hub.config.server.metrics.port === undefined) {
    app.use('/metrics', metricsAuth(hub.config.server.metrics.token));
    app.route('/metrics', metricsRoutes(hub.metrics));
  }

  // One budget for every route that reads a body before it can authenticate it.
  let refusals = 0;
  const budget = bodyBudget({
    maxBytes: hub.config.server.bodyMemory,
    bodyLimit: hub.config.server.bodyLimit,
    onRefused: (held) => {
      if (refusals++ % 100 === 0) log.warn('body refused: server.bodyMemory in use', { held, refusals });
    },
  });
  app.use('/webhooks/*', budget);
  app.use('/edi/*', budget);
  app.route('/webhooks', webhookRoutes(hub, log, options.now));
  app.route('/edi', ediRoutes(hub, log, options.now));
  app.route('/oauth', oauthRoutes(hub, log));

  // The operator's surface: the REST API and the console, over the same operator actions.
  const extras = {
    ...(options.nudgeJobs ? { nudgeJobs: options.nudgeJobs } : {}),
    ...(options.vendorStats
      ? { vendorStats: options.vendorStats }
      : hub.metrics
        ? { vendorStats: (id: string) => hub.metrics!.vendorCallStats(id) }
        : {}),
  };
  app.route('/api', apiRoutes({ hub, log, ...extras }));
  app.route('/console', consoleRoutes(hub, log, { operator: extras }));

  app.notFound((c) =>
    problem({
      type: 'not-found',
      title: 'Not found',
      status: 404,
      detail: `no route for ${c.req.method} ${c.req.path}`,
      fix: "see the README for the hub's endpoints",
    }),
  );

  app.onError((error, c) => {
    const answer = problemOf(error);
    if (answer) return answer;
    log.error('unhandled error', { method: c.req.method, path: c.req.path, error: describeError(error) });
    return problem({
      type: 'internal',
      title: 'Internal error',
      status: 500,
      detail: 'the hub failed while handling this request; it is logged',
      fix: 'retry; if it persists, report the log line',
    });
  });

  return app;
}
