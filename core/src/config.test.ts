import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, type HubConfig, resolveConfig } from './config.ts';
import { type AnyConnector, defineConnector } from './connector/index.ts';

const fake = defineConnector({
  id: 'fake',
  title: 'Fake',
  capabilities: ['orders.pull'],
  settings: z
    .object({
      shop: z.string().regex(/\.example$/, 'must end in .example'),
      pageSize: z.number().int().default(50),
    })
    .strict(),
  secrets: z.object({ token: z.string().min(8) }),
  normalize: () => ({ orders: [] }),
  async *pull() {
    yield { records: [], cursor: null };
  },
}) as unknown as AnyConnector;
const connectors = new Map([[fake.id, fake]]);

const valid = (): HubConfig => ({
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [
    {
      id: 'shop',
      tenant: 'acme',
      connector: 'fake',
      settings: { shop: 'a.example' },
      secrets: { token: env('SHOP_TOKEN') },
    },
  ],
});

function issues(config: unknown, environment: Record<string, string> = { SHOP_TOKEN: 'abcdefgh12' }) {
  try {
    resolveConfig(config, connectors, environment, 'switchyard.config.ts');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('resolves secrets from the environment and applies connector defaults', () => {
    const resolved = resolveConfig(valid(), connectors, { SHOP_TOKEN: 'abcdefgh12' });
    expect(resolved.connections[0]).toMatchObject({
      id: 'shop',
      tenantId: 'acme',
      settings: { shop: 'a.example', pageSize: 50 },
      secrets: { token: 'abcdefgh12' },
      defaultedEnv: [],
    });
    expect(resolved.server.bodyLimit).toBe(5 * 1024 * 1024);
  });

  it('falls back to a declared development default and says so', () => {
    const config = valid();
    config.connections[0]!.secrets = { token: env('SHOP_TOKEN', { default: 'dev-token-123' }) };
    const resolved = resolveConfig(config, connectors, {});
    expect(resolved.connections[0]!.secrets).toEqual({ token: 'dev-token-123' });
    expect(resolved.connections[0]!.defaultedEnv).toEqual(['SHOP_TOKEN']);
  });

  it('names the path, the problem and the fix for each mistake, all at once', () => {
    const config = valid();
    config.connections.push({
      id: 'shop',
      tenant: 'nobody',
      connector: 'fake',
      settings: { shop: 'wrong', extra: 1 },
      secrets: { token: env('OTHER_TOKEN') },
    });
    const found = issues(config);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'connections[1](id "shop").id',
          problem: 'duplicate connection id "shop"',
        }),
        expect.objectContaining({
          path: 'connections[1](id "shop").tenant',
          problem: 'no tenant "nobody"',
          fix: 'use one of "acme" or declare it under tenants',
        }),
        expect.objectContaining({
          path: 'connections[1](id "shop").settings.shop',
          problem: 'must end in .example',
        }),
        expect.objectContaining({
          path: 'connections[1](id "shop").settings',
          fix: 'remove "extra" or check its spelling',
        }),
        expect.objectContaining({
          path: 'connections[1](id "shop").secrets.token',
          problem: 'environment variable OTHER_TOKEN is not set',
          fix: 'export OTHER_TOKEN=<value> before starting the hub',
        }),
      ]),
    );
    expect(found).toHaveLength(5);
  });

  it('refuses a literal secret', () => {
    const config = valid() as unknown as { connections: { secrets: unknown }[] };
    config.connections[0]!.secrets = { token: 'hunter2-in-git' };
    expect(issues(config)).toEqual([
      expect.objectContaining({
        path: 'connections[0](id "shop").secrets.token',
        problem: expect.stringContaining('never a literal'),
      }),
    ]);
  });

  it('reports an unknown connector with the installed ones, and shape errors with their path', () => {
    const config = valid();
    config.connections[0]!.connector = 'shopfiy';
    expect(issues(config)).toEqual([
      expect.objectContaining({ problem: 'no connector "shopfiy" is installed', fix: 'use one of "fake"' }),
    ]);
    expect(issues({ tenants: [], connections: [{ id: 'Bad Id' }] }).map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'tenants',
        'connections[0](id "Bad Id").id',
        'connections[0](id "Bad Id").tenant',
        'connections[0](id "Bad Id").connector',
      ]),
    );
  });

  it('checks a secret’s value against the connector’s schema', () => {
    expect(issues(valid(), { SHOP_TOKEN: 'short' })).toEqual([
      expect.objectContaining({
        path: 'connections[0](id "shop").secrets.token',
        fix: 'set the variable to a valid value',
      }),
    ]);
  });

  it('takes a poll schedule for a connector that can pull, and refuses a bad one', () => {
    const config = valid();
    config.connections[0]!.poll = { every: '10m' };
    expect(resolveConfig(config, connectors, { SHOP_TOKEN: 'abcdefgh12' }).connections[0]!.pollEveryMs).toBe(
      600_000,
    );
    config.connections[0]!.poll = { every: '600h' }; // beyond a timer's range
    expect(issues(config)).toEqual([
      expect.objectContaining({ path: 'connections[0](id "shop").poll.every' }),
    ]);
    config.connections[0]!.poll = { every: 'often' };
    expect(issues(config)).toEqual([
      expect.objectContaining({
        path: 'connections[0](id "shop").poll.every',
        fix: 'write it like "30s", "10m" or "1h"',
      }),
    ]);
  });

  it('parses body limits', () => {
    expect(
      resolveConfig({ ...valid(), server: { bodyLimit: '2mb' } }, connectors, { SHOP_TOKEN: 'abcdefgh12' })
        .server.bodyLimit,
    ).toBe(2 * 1024 * 1024);
    expect(issues({ ...valid(), server: { bodyLimit: 'lots' } })).toEqual([
      expect.objectContaining({ path: 'server.bodyLimit' }),
    ]);
  });

  it('refuses a secret whose variable is set but empty, even with a development default', () => {
    const config = valid();
    config.connections[0]!.secrets = { token: env('SHOP_TOKEN', { default: 'dev-token-1' }) };
    expect(issues(config, { SHOP_TOKEN: '' })).toEqual([
      {
        path: 'connections[0](id "shop").secrets.token',
        problem: 'environment variable SHOP_TOKEN is set but empty',
        fix: 'give SHOP_TOKEN a value, or unset it to use the development default',
      },
    ]);
  });

  it('bounds the server limits, naming the path and the range', () => {
    expect(issues({ ...valid(), server: { bodyLimit: '10gb' } })).toEqual([
      expect.objectContaining({ path: 'server.bodyLimit', problem: '10gb is outside 1 kb to 64 mb' }),
    ]);
    expect(issues({ ...valid(), server: { bodyLimit: '8mb', bodyMemory: '4mb' } })).toEqual([
      expect.objectContaining({ path: 'server.bodyMemory' }),
    ]);
    expect(issues({ ...valid(), server: { requestTimeout: '5s', headersTimeout: '10s' } })).toEqual([
      expect.objectContaining({ path: 'server.headersTimeout' }),
    ]);
    expect(issues({ ...valid(), server: { unhealthyAfter: 'soon', requestTimeout: '2h' } })).toEqual([
      expect.objectContaining({ path: 'server.requestTimeout' }),
      expect.objectContaining({ path: 'server.unhealthyAfter' }),
    ]);
    const server = resolveConfig(
      { ...valid(), server: { requestTimeout: '1m', maxConnections: 50 } },
      connectors,
      { SHOP_TOKEN: 'abcdefgh12' },
    ).server;
    expect(server).toEqual({
      bodyLimit: 5 * 1024 * 1024,
      bodyMemory: 32 * 1024 * 1024,
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 10_000,
      maxConnections: 50,
      unhealthyAfterMs: 30_000,
      intake: 'sync',
      log: 'auto',
      metrics: { hostname: '127.0.0.1' },
    });
  });

  it('reads the metrics token from the environment and checks the metrics port and log format', () => {
    const environment = { SHOP_TOKEN: 'abcdefgh12', METRICS_TOKEN: 'm'.repeat(24) };
    const server = resolveConfig(
      { ...valid(), server: { log: 'json', metrics: { token: env('METRICS_TOKEN'), port: 9464 } } },
      connectors,
      environment,
    ).server;
    expect(server.log).toBe('json');
    expect(server.metrics).toEqual({ token: 'm'.repeat(24), port: 9464, hostname: '127.0.0.1' });
    expect(issues({ ...valid(), server: { metrics: { token: env('METRICS_TOKEN') } } })).toEqual([
      expect.objectContaining({
        path: 'server.metrics.token',
        problem: 'environment variable METRICS_TOKEN is not set',
      }),
    ]);
    expect(
      issues(
        { ...valid(), server: { metrics: { token: env('METRICS_TOKEN') } } },
        {
          SHOP_TOKEN: 'abcdefgh12',
          METRICS_TOKEN: 'short',
        },
      ),
    ).toEqual([expect.objectContaining({ path: 'server.metrics.token', fix: expect.stringMatching(/16/) })]);
    expect(
      issues({ ...valid(), server: { metrics: { token: 'literal-token-here', port: 70_000 } } }),
    ).toEqual([
      expect.objectContaining({
        path: 'server.metrics.token',
        problem: expect.stringMatching(/never a literal/),
      }),
      expect.objectContaining({ path: 'server.metrics.port', problem: expect.stringMatching(/1 to 65535/) }),
    ]);
    expect(issues({ ...valid(), server: { log: 'loud' } })).toEqual([
      expect.objectContaining({ path: 'server.log', problem: 'must be "auto", "json" or "pretty"' }),
    ]);
  });
});
