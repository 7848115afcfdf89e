import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from './log.ts';

export interface RunningServer {
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

export function listen(
  app: Hono,
  options: { port: number; hostname: string; log: Logger },
): Promise<RunningServer> {
  let inFlight = 0;
  const fetch = async (request: Request, env: unknown) => {
    inFlight++;
    try {
      return await app.fetch(request, env as never);
    } finally {
      inFlight--;
    }
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: options.port, hostname: options.hostname }) as Server;
    server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${options.port} is already in use: stop what holds it or set PORT to another port`,
            )
          : error,
      );
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
