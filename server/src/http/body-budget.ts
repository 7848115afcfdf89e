import type { MiddlewareHandler } from 'hono';
import { problem } from './problem.ts';

/** Bodies up to this size are not counted: the connection limit bounds them. */
export const SMALL_BODY = 64 * 1024;

/**
 * Bounds the memory that request bodies take before they are authenticated. A webhook's signature covers its
 * raw bytes, so the body must be read whole before it can be checked; without a bound, many large unsigned
 * bodies at once take the hub's memory. Each request reserves its declared Content-Length (the body limit when it
 * declares none: a chunked body may grow to it) until its answer is given; one that would take the total past
 * `maxBytes` is answered 503 with Retry-After at once, its body unread. Bodies up to SMALL_BODY are not counted:
 * almost every webhook is one, and the connection limit bounds them.
 */
export function bodyBudget(options: {
  maxBytes: number;
  bodyLimit: number;
  onRefused?: (held: number) => void;
}): MiddlewareHandler & { held(): number } {
  let held = 0;
  const middleware: MiddlewareHandler = async (c, next) => {
    const declared = c.req.header('content-length');
    const size = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : options.bodyLimit;
    // Over the body limit: hono's bodyLimit answers 413 without reading it, so nothing to reserve.
    const reserve = size <= SMALL_BODY || size > options.bodyLimit ? 0 : size;
    if (reserve && held + reserve > options.maxBytes) {
      options.onRefused?.(held);
      return problem(
        {
          type: 'busy',
          title: 'Too many large bodies at once',
          status: 503,
          detail: `the hub is reading ${held} bytes of request bodies, and this one (${size} bytes) would pass its limit of ${options.maxBytes} (server.bodyMemory); nothing was kept`,
          fix: 'retry after the delay in Retry-After; send large files one at a time',
        },
        { 'retry-after': '2' },
      );
    }
    held += reserve;
    try {
      await next();
    } finally {
      held -= reserve;
    }
  };
  return Object.assign(middleware, { held: () => held });
}
