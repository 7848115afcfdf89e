import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);

/** The console's only scripts and styles, served by the hub from its own files and node_modules: no CDN. */
const FILES: Record<string, { path: string; type: string }> = {
  'htmx.min.js': { path: require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript' },
  'sse.min.js': { path: require.resolve('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript' },
  'console.js': {
    path: fileURLToPath(new URL('static/console.js', import.meta.url)),
    type: 'text/javascript',
  },
  'console.css': { path: fileURLToPath(new URL('static/console.css', import.meta.url)), type: 'text/css' },
};

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

/** Read once, at start: they are small and change only with a new release. */
function load(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, { path, type }] of Object.entries(FILES)) {
    const body = new Uint8Array(readFileSync(path));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, type: `${type}; charset=utf-8`, etag });
  }
  return assets;
}

/** The asset paths pages link to, with a version so a new release is fetched anew. */
export interface AssetUrls {
  htmx: string;
  sse: string;
  script: string;
  style: string;
}

export function assetRoutes(base: string): { routes: Hono; urls: AssetUrls } {
  const assets = load();
  const url = (name: string) => `${base}/assets/${name}?v=${assets.get(name)!.etag.slice(1, 9)}`;
  const routes = new Hono();
  routes.get('/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('no such asset', 404);
    const headers = {
      'content-type': asset.type,
      etag: asset.etag,
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
    };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return {
    routes,
    urls: {
      htmx: url('htmx.min.js'),
      sse: url('sse.min.js'),
      script: url('console.js'),
      style: url('console.css'),
    },
  };
}
