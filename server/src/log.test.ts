import { describe, expect, it } from 'vitest';
import { childOf, createLogger, type Logger, logFormatOf } from './log.ts';

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const log = createLogger({ env: {}, ...options, write: (line) => lines.push(line) });
  return { log, lines };
}

describe('createLogger: JSON lines', () => {
  it('writes one JSON object per line, with level, time, message and the fields', () => {
    const { log, lines } = capture({ format: 'json' });
    log.info('webhook stored', { connection: 'shop', inboxId: 42 });
    log.debug('not shown at info');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'info', message: 'webhook stored', connection: 'shop', inboxId: 42 });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('redacts an authorization header and a secret nested in the fields, and keeps the rest', () => {
    const { log, lines } = capture({ format: 'json' });
    log.warn('vendor refused', {
      request: {
        method: 'POST',
        headers: {
          authorization: 'Bearer sk_live_123',
          'x-shopify-hmac-sha256': 'c2lnbmF0dXJl',
          accept: 'json',
        },
      },
      connection: { id: 'shop', secrets: { accessToken: 'shpat_abc', webhookSecret: 'whsec_1' } },
      deep: { a: { b: { c: { password: 'hunter2' } } } },
      key: 'AKIA-raw-key',
    });
    const text = lines.join('\n');
    for (const secret of ['sk_live_123', 'c2lnbmF0dXJl', 'shpat_abc', 'whsec_1', 'hunter2', 'AKIA-raw-key']) {
      expect(text).not.toContain(secret);
    }
    const line = JSON.parse(lines[0]!);
    expect(line.request.headers).toEqual({
      authorization: '***',
      'x-shopify-hmac-sha256': '***',
      accept: 'json',
    });
    expect(line.connection).toEqual({ id: 'shop', secrets: '***' });
    expect(line.request.method).toBe('POST');
  });

  it('carries a child logger’s fields (a request id) on every line', () => {
    const { log, lines } = capture({ format: 'json' });
    const request = log.child!({ requestId: 'req-1' });
    request.info('received', { connection: 'shop' });
    request.child!({ step: 'capture-payment' }).error('failed', { token: 'secret-token' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ requestId: 'req-1', connection: 'shop', message: 'received' }),
      expect.objectContaining({ requestId: 'req-1', step: 'capture-payment', token: '***', level: 'error' }),
    ]);
  });
});

describe('createLogger: pretty lines', () => {
  it('keeps the human-readable format: time, level, message, key=value', () => {
    const { log, lines } = capture({ format: 'pretty' });
    log.info('switchyard listening on http://127.0.0.1:8080', { connections: 2, database: 'embedded pg' });
    log.warn('webhook rejected', { connection: 'shop', authorization: 'Bearer x' });
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info {2}switchyard listening on http:\/\/127\.0\.0\.1:8080 connections=2 database="embedded pg"$/,
    );
    expect(lines[1]).toMatch(/ warn {2}webhook rejected connection=shop authorization=\*\*\*$/);
  });

  it('masks nested secrets too, and children add their fields first', () => {
    const { log, lines } = capture({ format: 'pretty' });
    log.child!({ requestId: 'r-9' }).info('call', { headers: { cookie: 'sid=1', accept: 'json' } });
    expect(lines[0]).toMatch(/ info {2}call requestId=r-9 headers=\{"cookie":"\*\*\*","accept":"json"\}$/);
  });
});

describe('logFormatOf', () => {
  it('takes SWITCHYARD_LOG_FORMAT first, then the format asked for, then pretty; auto follows the terminal', () => {
    expect(logFormatOf({ env: {} })).toBe('pretty');
    expect(logFormatOf({ env: {}, format: 'json' })).toBe('json');
    expect(logFormatOf({ env: { SWITCHYARD_LOG_FORMAT: 'pretty' }, format: 'json' })).toBe('pretty');
    expect(logFormatOf({ env: { SWITCHYARD_LOG_FORMAT: 'json' } })).toBe('json');
    expect(logFormatOf({ env: {}, format: 'auto', isTTY: true })).toBe('pretty');
    expect(logFormatOf({ env: {}, format: 'auto', isTTY: false })).toBe('json');
    expect(logFormatOf({ env: {}, json: true })).toBe('json');
  });
});

describe('childOf', () => {
  it('makes a child of a logger that cannot make one itself', () => {
    const seen: unknown[] = [];
    const bare: Logger = {
      debug() {},
      info: (m, f) => seen.push([m, f]),
      warn() {},
      error() {},
    };
    childOf(bare, { requestId: 'r' }).info('hello', { a: 1 });
    expect(seen).toEqual([['hello', { requestId: 'r', a: 1 }]]);
  });
});
