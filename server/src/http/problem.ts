import { type Problem, problemBody } from '@switchyard/core';

/** An application/problem+json response (RFC 9457). */
export function problem(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(p)), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
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
