import pino from 'pino';

/**
 * One log line per event on stderr, in one of two formats:
 * - pretty, for a person at a terminal: `time level message key=value …`;
 * - JSON lines (pino), for a log collector: `{"level":"info","time":"…","pid":…,…fields,"message":"…"}`.
 *
 * The format is SWITCHYARD_LOG_FORMAT when set ('json', 'pretty' or 'auto'), else the `format` asked for
 * (`server.log` in the config), else pretty. 'auto' is pretty when stderr is a terminal and JSON otherwise.
 *
 * Secrets never reach the log, in either format: a value under a key that looks secret (authorization, cookie,
 * a signature or HMAC header, a token, a password, an API key, `key`, anything under `secrets`) is replaced by
 * "***" at any depth of the fields; the JSON format also redacts by path (REDACT_PATHS) as a second guard.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'auto' | 'json' | 'pretty';
type Fields = Record<string, unknown>;

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /secret|password|passwd|token|authorization|signature|hmac|api[-_]?key|cookie|^key$/i;
const MASK = '***';
/** Deeper than this, fields are logged as they are: a log line is not a place for deep structures. */
const MAX_DEPTH = 6;

/** Pino's redaction paths (JSON format): the usual places of credentials in what the hub logs. */
export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'key',
  'token',
  'password',
  'secrets.*',
  '*.secrets.*',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.password',
  '*.*.authorization',
  '*.*.cookie',
  '*.*.token',
  '*.*.password',
  'headers["x-shopify-hmac-sha256"]',
  'headers["x-wc-webhook-signature"]',
  'headers["stripe-signature"]',
  '*.headers["x-shopify-hmac-sha256"]',
  '*.headers["x-wc-webhook-signature"]',
  '*.headers["stripe-signature"]',
];

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger that adds `fields` (a request id, a connection) to every line. */
  child?(fields: Fields): Logger;
}

/** A child of `log` with `fields` on every line, whether or not `log` can make children itself. */
export function childOf(log: Logger, fields: Fields): Logger {
  if (log.child) return log.child(fields);
  const merged = (more?: Fields) => ({ ...fields, ...more });
  return {
    debug: (m, f) => log.debug(m, merged(f)),
    info: (m, f) => log.info(m, merged(f)),
    warn: (m, f) => log.warn(m, merged(f)),
    error: (m, f) => log.error(m, merged(f)),
    child: (more) => childOf(log, merged(more)),
  };
}

function isPlain(value: unknown): value is Fields {
  if (!value || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function maskValue(value: unknown, depth: number): unknown {
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  if (!isPlain(value)) return value;
  return mask(value, depth + 1);
}

/** The fields with every value under a secret-looking key masked, at any depth (plain objects and arrays). */
export function mask(fields: Fields, depth = 0): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_KEY.test(k) ? MASK : maskValue(v, depth);
  return out;
}

export interface LoggerOptions {
  level?: Level;
  /** The format asked for (the config's `server.log`); SWITCHYARD_LOG_FORMAT takes precedence. */
  format?: LogFormat;
  /** Kept for callers of the first version: true is `format: 'json'`. */
  json?: boolean;
  /** Where lines go (default: stderr); one call per line, without its newline. */
  write?: (line: string) => void;
  /** Whether the output is a terminal, for 'auto' (default: whether stderr is one). */
  isTTY?: boolean;
  /** The environment to read SWITCHYARD_LOG_FORMAT and SWITCHYARD_LOG_LEVEL from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The format the logger writes in, by SWITCHYARD_LOG_FORMAT, then `format`, then pretty. */
export function logFormatOf(options: LoggerOptions = {}): 'json' | 'pretty' {
  const env = options.env ?? process.env;
  const fromEnv = env.SWITCHYARD_LOG_FORMAT;
  const asked =
    fromEnv === 'json' || fromEnv === 'pretty' || fromEnv === 'auto'
      ? fromEnv
      : options.json
        ? 'json'
        : (options.format ?? 'pretty');
  if (asked !== 'auto') return asked;
  return (options.isTTY ?? process.stderr.isTTY === true) ? 'pretty' : 'json';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const level: Level =
    options.level ?? (env.SWITCHYARD_LOG_LEVEL as Level | undefined) ?? ('info' satisfies Level);
  const min = ORDER[level] ?? ORDER.info;
  return logFormatOf(options) === 'json'
    ? jsonLogger(min, options.write)
    : prettyLogger(min, options.write ?? ((line) => process.stderr.write(`${line}\n`)), {});
}

function prettyLogger(min: number, write: (line: string) => void, bound: Fields): Logger {
  const emit = (level: Level, message: string, fields: Fields = {}) => {
    if (ORDER[level] < min) return;
    const time = new Date().toISOString();
    const rest = Object.entries(mask({ ...bound, ...fields }))
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
      .join(' ');
    write(`${time} ${level.padEnd(5)} ${message}${rest ? ` ${rest}` : ''}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => prettyLogger(min, write, { ...bound, ...fields }),
  };
}

const PINO_LEVEL: Record<number, Level> = { 10: 'debug', 20: 'info', 30: 'warn', 40: 'error' };

function jsonLogger(min: number, write: ((line: string) => void) | undefined): Logger {
  const destination = write
    ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : // Synchronous: a line logged just before the process exits is not lost.
      pino.destination({ fd: 2, sync: true });
  const root = pino(
    {
      level: PINO_LEVEL[min] ?? 'info',
      messageKey: 'message',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: MASK },
    },
    destination,
  );
  return wrapPino(root);
}

function wrapPino(p: pino.Logger): Logger {
  return {
    debug: (m, f) => p.debug(f ? mask(f) : {}, m),
    info: (m, f) => p.info(f ? mask(f) : {}, m),
    warn: (m, f) => p.warn(f ? mask(f) : {}, m),
    error: (m, f) => p.error(f ? mask(f) : {}, m),
    child: (fields) => wrapPino(p.child(mask(fields))),
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
