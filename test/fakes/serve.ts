import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse, type RequestHandler } from 'msw';

/**
 * Serves msw handlers over plain node:http, for fakes that run in a process of their own: each request becomes
 * a Fetch Request handed to msw's `getResponse`, the same matching the in-process fakes get. Lighter than
 * @mswjs/http-middleware (no express), so a benchmark's fake is not its first limit. Listens first, so that
 * the handlers can be built with the origin they answer on; unmatched requests get a 404 naming them.
 */
export async function serveHandlers(port = 0, host = '127.0.0.1') {
  let handlers: RequestHandler[] = [];
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const request = new Request(`http://${req.headers.host ?? `${host}:${port}`}${req.url}`, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) =>
          v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => [k, x] as [string, string]),
        ),
        ...(body.length && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
      });
      const response = await getResponse(handlers, request);
      if (!response) {
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end(`no fake handler for ${req.method} ${req.url}`);
        return;
      }
      const headers: Record<string, string | string[]> = {};
      response.headers.forEach((value, key) => {
        if (key === 'set-cookie') return;
        headers[key] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) headers['set-cookie'] = cookies;
      res.writeHead(response.status, response.statusText, headers);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`fake failed: ${(error as Error).message}`);
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    use(...next: RequestHandler[]) {
      handlers = next;
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
