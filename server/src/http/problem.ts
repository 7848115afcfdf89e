import { HubError, type Problem, problemBody } from '@switchyard/core';
import { HTTPException } from 'hono/http-exception';

/** An application/problem+json response (RFC 9457). */
export function problem(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(p)), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/**
 * The problem an error thrown while handling a request stands for, when it is the client's doing: a HubError;
 * hono's own refusals (a body that is not the JSON it says it is: 400); a value PostgreSQL cannot take as the
 * type it is compared with (a NUL in a text, a date out of its range: SQLSTATE class 22, data exception).
 * Undefined for anything else (a fault of the hub's, logged and answered 500 by the app).
 */
export function problemOf(error: unknown): Response | undefined {
  if (error instanceof HubError) return problem(error.problem);
  if (error instanceof HTTPException && error.status < 500) {
    return problem({
      type: 'invalid-request',
      title: 'Invalid request',
      status: error.status,
      detail: error.message || 'the request could not be read',
      fix: 'send the body as the content type it declares (application/json: well-formed JSON)',
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    /^22[0-9A-Z]{3}$/.test(code) &&
    error instanceof Error &&
    'severity' in error
  ) {
    return problem({
      type: 'invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: `a value in the request cannot be used: ${error.message}`,
      fix: 'remove NUL characters and keep dates within the years 1 to 9999',
    });
  }
  return undefined;
}

/** 413: the body is over the hub's limit. */
export function tooLarge(limit: number, what: string, fix: string): Response {
  return problem({
    type: 'body-too-large',
    title: 'Payload too large',
    status: 413,
    detail: `the ${what} exceeds the limit of ${limit} bytes`,
    fix,
  });
}

/** 503: the store could not take the payload; nothing was kept and the sender should retry. */
export function storeUnavailable(what: string): Response {
  return problem(
    {
      type: 'store-unavailable',
      title: 'Store unavailable',
      status: 503,
      detail: `the ${what} could not be stored; nothing was kept`,
      fix: 'retry later',
    },
    { 'retry-after': '5' },
  );
}
