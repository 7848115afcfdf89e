import type { ConfigIssue, EnvRef, HubConfig } from './config.ts';

// The server section of the config: sizes, durations and limits, each checked against bounds a hub can live with.

export interface ServerLimits {
  bodyLimit: number;
  bodyMemory: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  maxConnections: number;
  unhealthyAfterMs: number;
  publicUrl?: string;
  /** When a webhook is answered: after normalization ('sync', default) or once stored raw ('deferred'). */
  intake: 'sync' | 'deferred';
  /** The log's format: 'auto' (default: pretty on a terminal, JSON lines otherwise), 'json' or 'pretty'. */
  log: LogFormat;
  /** Where and to whom GET /metrics answers (see `MetricsAccess`). */
  metrics: MetricsAccess;
  /** OpenTelemetry traces: absent (the default) means none are made. */
  tracing?: { otlpEndpoint: string; serviceName: string };
}

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Who may read the Prometheus metrics. With `port`, they are served on that port only (bound to `hostname`,
 * default 127.0.0.1) and not on the main one. With `token`, a scrape must send `Authorization: Bearer <token>`.
 * With neither, /metrics answers on the main port to loopback clients only (a request forwarded by a proxy,
 * which carries X-Forwarded-For or Forwarded, is not a loopback client).
 */
export interface MetricsAccess {
  /** The bearer token a scrape must send, resolved from its environment variable. */
  token?: string;
  port?: number;
  hostname: string;
}

const SIZE = /^(\d+)\s*(b|kb|mb|gb)?$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

const DURATION = /^(\d+)\s*(s|m|h)$/;

/** "30s", "10m", "1h" in milliseconds. */
export function parseDuration(value: string): number | undefined {
  const m = DURATION.exec(value.trim());
  return m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'] : undefined;
}

export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return value;
  const m = SIZE.exec(value.trim());
  return m ? Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]! : undefined;
}

const MB = 1024 * 1024;

/** The server limits with nothing configured, or with some given: for code that builds a config without a file. */
export function serverLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  const issues: ConfigIssue[] = [];
  return { ...resolveServer({}, issues, {})!, ...given };
}

/** Shorter than this, a metrics token could be guessed. */
const METRICS_TOKEN_MIN = 16;

/** server.metrics: its token read from the environment, its port and hostname checked. */
function resolveMetrics(
  metrics: NonNullable<HubConfig['server']>['metrics'],
  issues: ConfigIssue[],
  environment: Readonly<Record<string, string | undefined>>,
): MetricsAccess {
  const access: MetricsAccess = { hostname: metrics?.hostname ?? '127.0.0.1' };
  if (metrics?.port !== undefined) access.port = metrics.port;
  const ref: EnvRef | undefined = metrics?.token;
  if (ref) {
    const value = environment[ref.$env] || ref.default;
    if (environment[ref.$env] === '') {
      issues.push({
        path: 'server.metrics.token',
        problem: `environment variable ${ref.$env} is set but empty`,
        fix: `give ${ref.$env} a value of at least ${METRICS_TOKEN_MIN} characters, or remove server.metrics.token`,
      });
    } else if (value === undefined) {
      issues.push({
        path: 'server.metrics.token',
        problem: `environment variable ${ref.$env} is not set`,
        fix: `export ${ref.$env}=<token> (at least ${METRICS_TOKEN_MIN} characters) before starting the hub`,
      });
    } else if (value.length < METRICS_TOKEN_MIN) {
      issues.push({
        path: 'server.metrics.token',
        problem: `the token in ${ref.$env} has ${value.length} characters: it could be guessed`,
        fix: `use at least ${METRICS_TOKEN_MIN} random characters, e.g. openssl rand -hex 24`,
      });
    } else access.token = value;
  }
  return access;
}

/** The server section with its defaults, each value checked against bounds a running hub can live with. */
export function resolveServer(
  server: NonNullable<HubConfig['server']>,
  issues: ConfigIssue[],
  environment: Readonly<Record<string, string | undefined>> = process.env,
): ServerLimits | undefined {
  const size = (key: 'bodyLimit' | 'bodyMemory', fallback: number, min: number, max: number) => {
    const given = server[key];
    const value = parseSize(given ?? fallback);
    if (value === undefined || value < min || value > max) {
      issues.push({
        path: `server.${key}`,
        problem:
          value === undefined
            ? `"${given}" is not a size`
            : `${given} is outside ${min / 1024} kb to ${max / MB} mb`,
        fix: `give a number of bytes or a string like "5mb", from ${min / 1024}kb to ${max / MB}mb`,
      });
      return fallback;
    }
    return value;
  };
  const duration = (
    key: 'requestTimeout' | 'headersTimeout' | 'unhealthyAfter',
    fallback: string,
    max: string,
  ) => {
    const given = server[key] ?? fallback;
    const value = parseDuration(given);
    const ceiling = parseDuration(max)!;
    if (value === undefined || value < 1000 || value > ceiling) {
      issues.push({
        path: `server.${key}`,
        problem: `"${given}" is not a duration from 1s to ${max}`,
        fix: `write it like "${fallback}"`,
      });
    }
    return value ?? parseDuration(fallback)!;
  };
  const bodyLimit = size('bodyLimit', 5 * MB, 1024, 64 * MB);
  const bodyMemory = size('bodyMemory', Math.max(32 * MB, bodyLimit), 1024, 4096 * MB);
  if (bodyMemory < bodyLimit) {
    issues.push({
      path: 'server.bodyMemory',
      problem: `${server.bodyMemory} is less than server.bodyLimit (${server.bodyLimit ?? '5mb'}): no body of the largest size could be taken`,
      fix: 'raise server.bodyMemory to at least server.bodyLimit',
    });
  }
  const requestTimeoutMs = duration('requestTimeout', '30s', '10m');
  const headersTimeoutMs = duration('headersTimeout', '10s', '10m');
  if (headersTimeoutMs > requestTimeoutMs) {
    issues.push({
      path: 'server.headersTimeout',
      problem: `${server.headersTimeout ?? '10s'} is longer than server.requestTimeout (${server.requestTimeout ?? '30s'})`,
      fix: 'make server.headersTimeout at most server.requestTimeout',
    });
  }
  const unhealthyAfterMs = duration('unhealthyAfter', '30s', '1h');
  return {
    bodyLimit,
    bodyMemory,
    requestTimeoutMs,
    headersTimeoutMs,
    maxConnections: server.maxConnections ?? 1024,
    unhealthyAfterMs,
    intake: server.intake ?? 'sync',
    log: server.log ?? 'auto',
    metrics: resolveMetrics(server.metrics, issues, environment),
    ...(server.tracing
      ? {
          tracing: {
            otlpEndpoint: server.tracing.otlpEndpoint,
            serviceName: server.tracing.serviceName ?? 'switchyard',
          },
        }
      : {}),
    ...(server.publicUrl ? { publicUrl: server.publicUrl.replace(/\/+$/, '') } : {}),
  };
}
