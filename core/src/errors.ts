/**
 * Errors that reach a person. Each says what was wrong, with which input, and what
 * to do; the HTTP layer renders them as application/problem+json (RFC 9457) and
 * the CLI as one line on stderr.
 */
export interface Problem {
  /** A stable slug, rendered as the problem type URI `urn:switchyard:problem:<slug>`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** What to do about it. */
  fix?: string;
  [extension: string]: unknown;
}

export class HubError extends Error {
  override name = 'HubError';
  readonly problem: Problem;
  constructor(problem: Problem, options?: { cause?: unknown }) {
    super(problem.fix ? `${problem.detail} — ${problem.fix}` : problem.detail, options);
    this.problem = problem;
  }
}

export function problemBody(problem: Problem): Record<string, unknown> {
  return { ...problem, type: `urn:switchyard:problem:${problem.type}` };
}

/** The message of anything thrown, for logs and exception rows. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
