import { type Problem, problemBody } from '@switchyard/core';

/** An application/problem+json response (RFC 9457). */
export function problem(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(p)), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}
