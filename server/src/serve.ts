import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Http2Bindings, type HttpBindings, serve } from '@hono/node-server';
import { type ServerLimits, serverLimits } from '@switchyard/core';
import type { Hono } from 'hono';
import type { Logger } from './log.ts';

export interface RunningServer {
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

/**
 * An answer given before the request's body was read to its end (a 413, a 401 for a bad token, a 503 when the
 * hub holds too many bodies) closes the connection: the client must not send its next request on a socket whose
 * unread bytes would be taken for that request, and a keep-alive answer followed by a dropped socket gives a
 * pooled client EPIPE on its next request.
 */
function closingIfUnread(response: Response, incoming: IncomingMessage | undefined): Response {
  if (!incoming || incoming.readableEnded || !hasBody(incoming)) return response;
  const headers = new Headers(response.headers);
  headers.set('connection', 'close');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function hasBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return (length !== undefined && length !== '0') || incoming.headers['transfer-encoding'] !== undefined;
}

/**
 * Serves the app with the bounds of `limits`: how long a client may take to send its headers and its whole
 * request, and how many connections are open at once (past that, new ones are closed at once by Node).
 */
export function listen(
  app: Hono,
  options: { port: number; hostname: string; log: Logger; limits?: ServerLimits },
): Promise<RunningServer> {
  const limits = options.limits ?? serverLimits();
  let inFlight = 0;
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings) => {
    inFlight++;
    try {
      return closingIfUnread(await app.fetch(request, env), env.incoming as IncomingMessage);
    } finally {
      inFlight--;
    }
  };
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch,
      port: options.port,
      hostname: options.hostname,
      serverOptions: {
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        // Node checks the two timeouts above on this interval (30 s by default, longer than the timeouts).
        connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      },
    }) as Server;
    server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
    server.maxConnections = limits.maxConnections;
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${options.port} is already in use: stop what holds it or set PORT to another port`,
            )
          : error,
      );
    });
    let refused = 0;
    server.on('drop', () => {
      // Logged once per hundred, so a flood does not flood the log too.
      if (refused++ % 100 === 0) {
        options.log.warn('connection refused: server.maxConnections reached', {
          maxConnections: limits.maxConnections,
          refused,
        });
      }
    });
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        url: `http://${options.hostname === '0.0.0.0' ? '127.0.0.1' : options.hostname}:${port}`,
        async close(graceMs = 10_000) {
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          const deadline = Date.now() + graceMs;
          while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          if (inFlight > 0) options.log.warn('shutdown grace period over; closing connections', { inFlight });
          server.closeAllConnections();
          await closed;
        },
      });
    });
  });
}
