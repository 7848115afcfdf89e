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
  // An error that crossed a serialization boundary (a stored workflow error) keeps its message, not its class.
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message) return message;
  return error === null || error === undefined ? 'unknown error' : String(error);
}

/**
 * A failure that repeating cannot mend: the vendor refused the input, the key lacks a permission, the
 * resource is in a state that forbids the call. A workflow step fails at once on it (no retries) and the
 * workflow parks as an exception for an operator; anything else is retried by the step's policy.
 */
export class PermanentError extends Error {
  readonly permanent = true;
}

/** Whether an error (from any module copy) is a PermanentError. */
export function isPermanent(error: unknown): boolean {
  return (error as { permanent?: unknown } | null)?.permanent === true;
}
