import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, scratchDir } from '../support/hub-process.ts';

/**
 * `switchyard config check` refuses what would run unsafely, naming the path and the fix (issue 10, defect 6):
 * each of these passed the check before.
 */
const scratch = scratchDir('config-check');
afterAll(() => scratch.remove());

function configFile(name: string, body: string): string {
  const file = join(scratch.dir, name);
  writeFileSync(
    file,
    `import { defineConfig, env } from '@switchyard/core';\nexport default defineConfig(${body});\n`,
  );
  return file;
}

const partner = (url: string) => `{
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [{
    id: 'retailer', tenant: 'demo', connector: 'x12',
    settings: {
      partner: { qualifier: 'ZZ', id: 'RETAILER' }, us: { qualifier: 'ZZ', id: 'DEMOSUPPLY' },
      transport: { kind: 'http', url: '${url}', tokenSecret: 'outboundToken' },
    },
    secrets: { inboundToken: env('IN_TOKEN'), outboundToken: env('OUT_TOKEN') },
  }],
}`;
const tokens = { IN_TOKEN: 'inbound-token-0123456789', OUT_TOKEN: 'outbound-token-0123456789' };

describe('switchyard config check', () => {
  it('refuses a secret variable that is set but empty instead of falling back to the development default', () => {
    const r = cli(scratch.dir, ['config', 'check'], { DEMO_WEBHOOK_SECRET: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'connections[0](id "demo").secrets.signingSecret: environment variable DEMO_WEBHOOK_SECRET is set but empty — fix: give DEMO_WEBHOOK_SECRET a value, or unset it to use the development default',
    );
  });

  it('refuses a body limit no hub can hold', () => {
    const file = configFile(
      'huge.config.ts',
      `{ tenants: [{ id: 'demo', name: 'Demo' }], connections: [], server: { bodyLimit: '10gb' } }`,
    );
    const r = cli(scratch.dir, ['config', 'check', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.bodyLimit: 10gb is outside 1 kb to 64 mb');
  });

  it('refuses an outbound EDI token over plain http, and takes it over https or to loopback', () => {
    const r = cli(
      scratch.dir,
      ['config', 'check', '--config', configFile('http.config.ts', partner('http://edi.partner.example/in'))],
      tokens,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'connections[0](id "retailer").settings.transport.url: http://edi.partner.example/in is plain http, and the outbound token (outboundToken) would be sent over it in clear: use an https:// URL',
    );
    for (const [name, url] of [
      ['https.config.ts', 'https://edi.partner.example/in'],
      ['loopback.config.ts', 'http://127.0.0.1:9/in'],
    ] as const) {
      const ok = cli(scratch.dir, ['config', 'check', '--config', configFile(name, partner(url))], tokens);
      expect(ok.code, ok.stderr).toBe(0);
    }
  });

  it('prints the server limits in force', () => {
    const file = configFile(
      'limits.config.ts',
      `{ tenants: [{ id: 'demo', name: 'Demo' }], connections: [], server: { requestTimeout: '1m', maxConnections: 100 } }`,
    );
    const r = cli(scratch.dir, ['config', 'check', '--config', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).server).toEqual({
      bodyLimit: 5 * 1024 * 1024,
      bodyMemory: 32 * 1024 * 1024,
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 10_000,
      maxConnections: 100,
      unhealthyAfterMs: 30_000,
      intake: 'sync',
      log: 'auto',
      metrics: { hostname: '127.0.0.1' },
    });
  });

  it('says the metrics token is set without printing it', () => {
    const file = configFile(
      'metrics.config.ts',
      `{ tenants: [{ id: 'demo', name: 'Demo' }], connections: [], server: { metrics: { token: env('SCRAPE_TOKEN') } } }`,
    );
    const token = 'scrape-token-0123456789abcdef';
    const json = cli(scratch.dir, ['config', 'check', '--config', file, '--json'], { SCRAPE_TOKEN: token });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).server.metrics).toEqual({ hostname: '127.0.0.1', token: '(set)' });
    const text = cli(scratch.dir, ['config', 'check', '--config', file], { SCRAPE_TOKEN: token });
    expect(text.stdout).toContain('with its bearer token');
    expect(text.stdout + json.stdout).not.toContain(token);
  });

  it("names what is wrong with locations and a channel's stock section, each with its path", () => {
    const file = configFile(
      'stock.config.ts',
      `{
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [
    { id: 'shop', tenant: 'demo', connector: 'shopify', settings: { shop: 'x.myshopify.com' },
      secrets: { clientSecret: env('SHOP_SECRET'), accessToken: env('SHOP_TOKEN') },
      stock: { locations: [{ channelLocation: '1', from: ['east', 'nowhere'] }] } },
    { id: 'woo', tenant: 'demo', connector: 'woocommerce', settings: { siteUrl: 'https://shop.example.com' },
      secrets: { webhookSecret: env('SHOP_SECRET'), consumerKey: env('SHOP_TOKEN'), consumerSecret: env('SHOP_TOKEN') },
      stock: { locations: [{ from: ['east'] }], buffer: { holdBack: 2 }, systemOfRecord: ['east'] } },
  ],
  locations: [
    { id: 'east', tenant: 'demo', kind: 'warehouse',
      address: { street1: '1 Market St', city: 'Newark', state: 'NJ', zip: '07102', country: 'US' } },
    { id: 'east', tenant: 'demo', kind: 'warehouse',
      address: { street1: '2 Market St', city: 'Newark', state: 'NJ', zip: '07102', country: 'US' } },
    { id: 'west', tenant: 'demo', kind: 'shed',
      address: { street1: '800 Alameda St', city: 'Los Angeles', zip: '90021', country: 'USA' } },
  ],
}`,
    );
    const r = cli(scratch.dir, ['config', 'check', '--config', file], {
      SHOP_SECRET: 'secret-0123456789',
      SHOP_TOKEN: 'token-0123456789',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('locations[1](id "east").id: tenant "demo" has two locations "east"');
    expect(r.stderr).toMatch(/locations\[2\]\(id "west"\): .*kind/);
    expect(r.stderr).toContain('connections[0](id "shop").stock: no location "nowhere" of tenant "demo"');
    expect(r.stderr).toContain(
      'connections[1](id "woo").stock.buffer: the channel is the system of record for east',
    );
  });
});
