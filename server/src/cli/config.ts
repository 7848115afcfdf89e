import { loadConfig } from '../hub.ts';
import { type Flags, out, UsageError } from './shared.ts';

/** `switchyard config check`: the config validated, and what it declares. */
export async function config(values: Flags, [sub]: string[]) {
  if (sub !== 'check') throw new UsageError('usage: switchyard config check');
  await configCheck(values);
}

async function configCheck(values: Flags) {
  const { config, file } = await loadConfig(values.config);
  const summary = {
    file,
    tenants: config.tenants.map((t) => t.id),
    connections: config.connections.map((c) => ({
      id: c.id,
      tenant: c.tenantId,
      connector: c.connector,
      defaultedEnv: c.defaultedEnv,
    })),
    bodyLimit: config.server.bodyLimit,
    // The metrics token is a secret: said to be set, never printed.
    server: {
      ...config.server,
      metrics: { ...config.server.metrics, ...(config.server.metrics.token ? { token: '(set)' } : {}) },
    },
  };
  if (values.json) return out(summary);
  const s = config.server;
  out(`${file}: OK`);
  out(`tenants: ${summary.tenants.join(', ')}`);
  out(
    `server: bodies up to ${s.bodyLimit} bytes, ${s.bodyMemory} bytes of bodies at once, requests within ${s.requestTimeoutMs / 1000} s (headers ${s.headersTimeoutMs / 1000} s), ${s.maxConnections} connections, unhealthy after ${s.unhealthyAfterMs / 1000} s without the database`,
  );
  out(
    s.intake === 'deferred'
      ? 'intake: deferred — webhooks answered 202 received once stored raw, normalized right behind'
      : 'intake: sync — webhooks answered after normalization, with their orders or exception',
  );
  const m = s.metrics;
  out(
    `metrics: /metrics ${m.port === undefined ? 'on the main port' : `on ${m.hostname}:${m.port}`}, ${m.token ? 'with its bearer token' : 'to loopback clients only (no token set)'}; logs: ${s.log}`,
  );
  for (const c of summary.connections) {
    out(
      `connection ${c.id}: ${c.connector} (tenant ${c.tenant})${c.defaultedEnv.length ? ` — uses development defaults for ${c.defaultedEnv.join(', ')}` : ''}`,
    );
  }
}
