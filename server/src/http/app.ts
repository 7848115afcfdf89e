import { describeError, HubError } from '@switchyard/core';
import { Hono } from 'hono';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import { ediRoutes } from './edi.ts';
import { problem } from './problem.ts';
import { webhookRoutes } from './webhooks.ts';

export interface AppOptions {
  now?: () => Date;
}

/** The hub's HTTP surface. */
export function createApp(
  hub: Pick<Hub, 'sql' | 'intake' | 'connections' | 'config'>,
  log: Logger,
  options: AppOptions = {},
) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    try {
      await Promise.race([
        hub.sql`select 1`,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
      ]);
      return c.json({ status: 'ready' });
    } catch (error) {
      return problem({
        type: 'not-ready',
        title: 'Not ready',
        status: 503,
        detail: `the database does not answer: ${describeError(error)}`,
        fix: 'check the database server; the hub reconnects by itself',
      });
    }
  });

  app.route('/webhooks', webhookRoutes(hub, log, options.now));
  app.route('/edi', ediRoutes(hub, log, options.now));

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
    if (error instanceof HubError) return problem(error.problem);
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
