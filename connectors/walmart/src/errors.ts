import type { VendorAnswer, VendorProblem } from '@switchyard/core';

/**
 * Walmart's error bodies, in the shapes its gateway and services answer: `{ "errors": [ … ] }`,
 * `{ "errors": { "error": [ … ] } }` (the order and inventory services), `{ "error": [ … ] }` (the gateway's
 * 401), each entry `{ code, field, description, info, severity, category, causes, errorIdentifiers }`.
 */
export interface WalmartError {
  code?: string;
  field?: string;
  description?: string;
  info?: string;
  severity?: string;
  category?: string;
}

/** The error entries of a body, whatever its shape; empty when it has none (or is not JSON). */
export function walmartErrors(text: string): WalmartError[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const list = (value: unknown): WalmartError[] =>
    Array.isArray(value)
      ? value.filter((e): e is WalmartError => !!e && typeof e === 'object')
      : value && typeof value === 'object'
        ? 'error' in value
          ? list((value as { error: unknown }).error)
          : 'code' in value || 'description' in value
            ? [value as WalmartError]
            : []
        : [];
  if (!body || typeof body !== 'object') return [];
  const b = body as { errors?: unknown; error?: unknown; list?: { errors?: unknown } };
  return [...list(b.errors), ...list(b.error), ...list(b.list?.errors)];
}

/** The headers Walmart's throttling answers with (see throttle.ts): the time the next token comes. */
export function replenishmentAt(headers: Headers, now: number): number | undefined {
  const raw = headers.get('x-next-replenishment-time');
  if (!raw) return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    // Epoch milliseconds, epoch seconds, or (small) seconds from now.
    return n > 1e12 ? n : n > 1e9 ? n * 1000 : now + n * 1000;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** What to do about an error, by Walmart's code (its prefix names the kind, the suffix the service). */
function fixFor(status: number, error: WalmartError | undefined): string | undefined {
  const code = error?.code ?? '';
  if (status === 401 || code.startsWith('UNAUTHORIZED')) {
    return 'check secrets.clientId and secrets.clientSecret (developer.walmart.com › My Account: production keys for marketplace.walmartapis.com, sandbox keys for the sandbox) and that apiOrigin matches them';
  }
  if (status === 403 || code.startsWith('FORBIDDEN')) {
    return 'give the API key access to orders and inventory (Developer Portal › API key permissions), or ask the seller to grant it';
  }
  if (code.startsWith('INVALID_REQUEST_HEADER')) {
    return `Walmart refused a request header (${error?.field ?? 'unknown'}): check settings.svcName and settings.channelType`;
  }
  if (code.startsWith('CONTENT_NOT_FOUND')) {
    return `Walmart has no such ${error?.field ?? 'resource'}: check it in Seller Center`;
  }
  if (code.startsWith('INVALID_REQUEST_CONTENT') || code.startsWith('INVALID_REQUEST')) {
    return `correct what Walmart refused${error?.field ? ` (${error.field})` : ''}, then replay the step`;
  }
  if (status === 429)
    return 'wait: Walmart throttles each API per seller and operation; the hub holds that operation until the replenishment time Walmart gives';
  return undefined;
}

/**
 * Walmart's reading of an answer for core's client: its error code and words, what to do. A 2xx is left alone
 * (Walmart does not report failures inside a 200 on these calls). A 429's `X-Next-Replenishment-Time` is not
 * turned into a wait here: core would hold every call of the client for it, while Walmart's bucket is one
 * seller's and one operation's. The operation's bucket (throttle.ts) reads it and holds that operation only.
 */
export function walmartProblem(answer: VendorAnswer): VendorProblem | undefined {
  if (answer.status < 400) return undefined;
  const errors = walmartErrors(answer.text);
  const error = errors.find((e) => e.severity === 'ERROR') ?? errors[0];
  const words = error
    ? [error.description ?? error.info, error.field ? `field ${error.field}` : undefined]
        .filter(Boolean)
        .join('; ')
    : undefined;
  const fix = fixFor(answer.status, error);
  return {
    ...(error?.code ? { code: error.code } : {}),
    ...(words ? { message: words } : {}),
    ...(fix ? { fix } : {}),
  };
}
