import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import { safeEqual } from '@switchyard/core';
import { Hono, type MiddlewareHandler } from 'hono';
import { childOf, type Logger } from '../log.ts';
import type { HubMetrics } from '../metrics.ts';
import { listen, type RunningServer } from '../serve.ts';
import { problem } from './problem.ts';

/** What the request-id middleware puts on the context: the id, and a logger that carries it. */
export type RequestVariables = { requestId: string; log: Logger };

/** An id a client or a proxy sent that is safe to echo and log: short, printable, no spaces. */
const SANE_ID = /^[A-Za-z0-9._:@+/=-]{1,128}$/;

/**
 * Gives each request an id: the X-Request-Id it came with when that is sane (a proxy's or the sender's), else a
 * new UUID. The id is answered in X-Request-Id, and `c.get('log')` is a child logger with `requestId` on every
 * line, so a delivery's log lines can be found by the id its sender saw.
 */
export function requestId(log: Logger): MiddlewareHandler<{ Variables: RequestVariables }> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && SANE_ID.test(given) ? given : randomUUID();
    c.set('requestId', id);
    c.set('log', childOf(log, { requestId: id }));
    try {
      await next();
    } finally {
      try {
        c.res.headers.set('x-request-id', id);
      } catch {
        // A response with immutable headers (a fetched one, passed through): answered as a copy.
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set('x-request-id', id);
      }
    }
  };
}

/** GET / answers the registry's text (mounted at /metrics on the main port or on the metrics port). */
export function metricsRoutes(metrics: Pick<HubMetrics, 'render' | 'contentType'>) {
  const app = new Hono();
  app.get('/', async (c) => {
    const text = await metrics.render();
    return c.body(text, 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  });
  return app;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/**
 * Who may read /metrics. With a token: `Authorization: Bearer <token>`, compared in constant time, else 401.
 * Without one: loopback clients only (127.0.0.0/8, ::1), else 403; a request that carries X-Forwarded-For,
 * X-Real-IP or Forwarded came through a proxy and is not taken for a loopback client, whatever its socket says.
 */
export function metricsAuth(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token) {
      const given = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim() ?? '';
      if (!given || !safeEqual(given, token)) {
        return problem(
          {
            type: 'bad-token',
            title: 'Not authenticated',
            status: 401,
            detail: given
              ? 'the bearer token is not the metrics token'
              : 'no Authorization: Bearer <token> header',
            fix: 'send the token of server.metrics.token as Authorization: Bearer <token> (Prometheus: authorization.credentials)',
          },
          { 'www-authenticate': 'Bearer realm="metrics"' },
        );
      }
      return next();
    }
    const proxied =
      c.req.header('x-forwarded-for') !== undefined ||
      c.req.header('x-real-ip') !== undefined ||
      c.req.header('forwarded') !== undefined;
    let address: string | undefined;
    try {
      address = getConnInfo(c).remote.address;
    } catch {
      address = undefined; // not served by Node (app.request in a test): no client address to trust
    }
    if (proxied || !isLoopback(address)) {
      return problem({
        type: 'metrics-loopback-only',
        title: 'Forbidden',
        status: 403,
        detail: 'without server.metrics.token, /metrics answers only to clients on this host',
        fix: "set server.metrics.token (env('SWITCHYARD_METRICS_TOKEN')) and scrape with it, or server.metrics.port to serve them on a port of their own",
      });
    }
    return next();
  };
}

/**
 * The metrics on a port of their own (server.metrics.port), at GET /metrics, behind `metricsAuth(token)` when
 * a token is configured; anything else is 404. Nothing else of the hub answers there.
 */
export function serveMetrics(
  port: number,
  hostname: string,
  metrics: Pick<HubMetrics, 'render' | 'contentType'>,
  options: { token?: string | undefined; log: Logger },
): Promise<RunningServer> {
  const app = new Hono();
  if (options.token) app.use('/metrics', metricsAuth(options.token));
  app.route('/metrics', metricsRoutes(metrics));
  app.notFound(() =>
    problem({
      type: 'not-found',
      title: 'Not found',
      status: 404,
      detail: 'this port serves GET /metrics only',
      fix: 'scrape /metrics',
    }),
  );
  return listen(app, { port, hostname, log: options.log });
}
