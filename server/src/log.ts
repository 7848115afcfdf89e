/**
 * One log line per event on stderr: `time level message key=value …`, or JSON lines
 * with SWITCHYARD_LOG_FORMAT=json. Values under keys that look secret are masked, so
 * a secret passed by mistake never reaches the log.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /secret|password|token|authorization|signature|api[-_]?key|cookie/i;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function mask(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_KEY.test(k) ? '***' : v;
  return out;
}

export function createLogger(
  options: { level?: Level; json?: boolean; write?: (line: string) => void } = {},
): Logger {
  const min = ORDER[options.level ?? (process.env.SWITCHYARD_LOG_LEVEL as Level | undefined) ?? 'info'] ?? 20;
  const json = options.json ?? process.env.SWITCHYARD_LOG_FORMAT === 'json';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < min) return;
    const time = new Date().toISOString();
    const safe = mask(fields);
    if (json) {
      write(JSON.stringify({ time, level, message, ...safe }));
    } else {
      const rest = Object.entries(safe)
        .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${time} ${level.padEnd(5)} ${message}${rest ? ` ${rest}` : ''}`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
