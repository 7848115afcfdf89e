import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { zodMessage } from '@switchyard/core';
import type { ZodError } from 'zod';
import { problem, problemOf } from '../http/problem.ts';
import { type ApiEnv, FailedAuthLimiter, requireKey } from './auth.ts';
import { booksRoutes } from './books.ts';
import { connectionRoutes } from './connections.ts';
import type { ApiDeps } from './context.ts';
import { ediRoutes } from './edi.ts';
import { exceptionRoutes } from './exceptions.ts';
import { inventoryRoutes } from './inventory.ts';
import { jobRoutes } from './jobs.ts';
import { keyRoutes } from './keys.ts';
import { orderRoutes } from './orders.ts';
import { routingRoutes } from './routing.ts';
import { workflowRoutes } from './workflows.ts';

export type { ApiDeps } from './context.ts';

/** Query, path or body that fails its schema: a 400 naming each field and what it must be. */
function invalidRequest(error: ZodError): Response {
  return problem({
    type: 'invalid-request',
    title: 'Invalid request',
    status: 400,
    detail: zodMessage(error, ''),
    fix: 'see the OpenAPI document at /api/openapi.json for what each endpoint takes',
    issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/**
 * The REST API: `/api/v1/*` (a key required, its tenant only), the OpenAPI 3.1 document at `/api/openapi.json`
 * and a reference page at `/api/docs` (Swagger UI, served from the swagger-ui-dist package, nothing from the
 * internet). Mounted at `/api`.
 */
export function apiRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => (result.success ? undefined : invalidRequest(result.error as ZodError)),
  });
  const limiter = new FailedAuthLimiter();
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'a key made by `switchyard keys create` or POST /api/v1/keys',
  });
  // The request id is the hub's (http/metrics.ts `requestId`, on every route): the same in the answer, the
  // log lines and the audit log. Mounted on its own (a test's app), the API makes one.
  app.use('/v1/*', async (c, next) => {
    if (!c.get('requestId')) {
      c.set('requestId', crypto.randomUUID());
      c.header('x-request-id', c.get('requestId'));
    }
    await next();
  });
  app.use('/v1/*', requireKey(deps.hub.sql, deps.log, limiter));
  const v1 = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => (result.success ? undefined : invalidRequest(result.error as ZodError)),
  });
  orderRoutes(v1, deps);
  routingRoutes(v1, deps);
  inventoryRoutes(v1, deps);
  exceptionRoutes(v1, deps);
  jobRoutes(v1, deps);
  workflowRoutes(v1, deps);
  connectionRoutes(v1, deps);
  booksRoutes(v1, deps);
  ediRoutes(v1, deps);
  keyRoutes(v1, deps);
  app.route('/v1', v1);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard REST API',
      version: '1',
      description:
        "Orders, their routing, stock, exceptions, workflows, connections and EDI of one tenant: the key's. Errors are application/problem+json (RFC 9457).",
    },
    servers: [{ url: '/api' }],
    security: [{ apiKey: [] }],
  });
  app.get('/docs', (c) => c.html(DOCS_PAGE));
  app.get('/docs/assets/:file{swagger-ui\\.css|swagger-ui-bundle\\.js|docs\\.js}', (c) => {
    const file = c.req.param('file');
    const asset = assets.get(file);
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, {
      'content-type': asset.type,
      'cache-control': 'public, max-age=86400',
    });
  });
  app.onError((error) => {
    const answer = problemOf(error);
    if (answer) return answer;
    throw error;
  });
  return app;
}

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets = new Map<string, { body: string; type: string }>([
  ['swagger-ui.css', { body: readFileSync(join(swaggerDir, 'swagger-ui.css'), 'utf8'), type: 'text/css' }],
  [
    'swagger-ui-bundle.js',
    { body: readFileSync(join(swaggerDir, 'swagger-ui-bundle.js'), 'utf8'), type: 'text/javascript' },
  ],
  [
    'docs.js',
    {
      body: "window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#docs', deepLinking: true, persistAuthorization: false });",
      type: 'text/javascript',
    },
  ],
]);

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard API reference</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/docs.js"></script>
</body>
</html>`;
