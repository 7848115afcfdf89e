import { type VendorAnswer, VendorError, type VendorProblem } from '@switchyard/core';

/**
 * Xero's error bodies, by the kind of failure:
 * - `400` from the Accounting API: an ApiException, `{ ErrorNumber, Type: "ValidationException", Message,
 *   Elements: [{ …the element…, ValidationErrors: [{ Message }] }] }` (other Types carry their Message alone);
 * - `401` / `403`: a problem document, `{ Title: "Unauthorized", Status: 401, Detail: "AuthenticationUnsuccessful" }`;
 * - the identity server (`/connect/token`): OAuth's `{ error: "invalid_grant", error_description? }`;
 * - `429`: `Retry-After` and `X-Rate-Limit-Problem` (minute, day, concurrent, appminute) in the headers.
 */
interface XeroErrorBody {
  ErrorNumber?: number;
  Type?: string | null;
  Message?: string;
  Elements?: { ValidationErrors?: { Message?: string }[] }[];
  Title?: string;
  Detail?: string;
  error?: string;
  error_description?: string;
}

function parse(text: string): XeroErrorBody | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as XeroErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

/** Every ValidationErrors message of a 400 ValidationException, in order, without repeats. */
export function validationMessages(body: XeroErrorBody | undefined): string[] {
  const messages = (body?.Elements ?? []).flatMap((e) => (e.ValidationErrors ?? []).map((v) => v.Message));
  return [...new Set(messages.filter((m): m is string => !!m))];
}

const FIX_VALIDATION =
  "correct what Xero refused (the books mapping's account code, tax type or item code, or the document itself), then replay the posting";
const FIX_UNAUTHORIZED =
  'the access token was refused: the hub refreshes it once; if it goes on, authorize the connection again (switchyard connections authorize <connection>)';
const FIX_FORBIDDEN =
  'the organisation disconnected the app, or the grant lacks a scope this call needs (settings.scopes): authorize the connection again, accepting every scope asked';

/** How long until a daily limit resets, in words ("3 h 12 min"). */
export function untilInWords(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

/** The error a call meets while the organisation's daily limit is spent (before calling, or from Xero's 429). */
export function dayLimitError(tenant: string, resetAt: number, now: number, request: string): VendorError {
  return new VendorError({
    vendor: 'Xero',
    request,
    status: 429,
    code: 'day_limit',
    message: `the daily limit of 5,000 calls for organisation ${tenant} is spent; it resets in ${untilInWords(resetAt - now)} (at ${new Date(resetAt).toISOString()})`,
    retryable: false,
    retryAfterMs: Math.max(0, resetAt - now),
    fix: 'nothing is lost: replay the parked postings after the reset; if the limit is met often, post daily summaries (journal) instead of one document per order',
  });
}

/**
 * Xero's reading of an answer for core's client: the vendor's code and words and what to do. A 2xx is left to
 * the caller (a 200 with `summarizeErrors=false` may hold failed elements: see `elementFailure`). A daily limit
 * is not retried here (it lasts hours: `limits.ts` keeps calls from going out until the reset).
 */
export function xeroProblem(answer: VendorAnswer): VendorProblem | undefined {
  if (answer.status < 400) return undefined;
  const body = parse(answer.text);
  if (answer.status === 429) {
    const which = (answer.headers.get('x-rate-limit-problem') ?? 'minute').toLowerCase();
    if (which.includes('day'))
      return { code: 'day_limit', message: 'the daily limit is spent', retryable: false };
    return {
      code: `rate_limit_${which}`,
      message: `Xero's ${which} limit for this organisation was reached`,
      retryable: true,
      fix: 'wait: the hub waits the Retry-After Xero gives and calls again',
    };
  }
  if (body?.error) {
    return {
      code: body.error,
      message: body.error_description ?? body.error,
      retryable: false,
      ...(body.error === 'invalid_grant'
        ? {
            fix: 'the refresh token was refused (used already, revoked, or unused for 60 days): authorize the connection again',
          }
        : body.error === 'invalid_client'
          ? { fix: "check settings.clientId and secrets.clientSecret against the app's Configuration page" }
          : {}),
    };
  }
  const messages = validationMessages(body);
  if (messages.length > 0) {
    return { code: body?.Type ?? 'ValidationException', message: messages.join('; '), fix: FIX_VALIDATION };
  }
  const words = body?.Message ?? body?.Detail ?? body?.Title;
  const fix = answer.status === 401 ? FIX_UNAUTHORIZED : answer.status === 403 ? FIX_FORBIDDEN : undefined;
  return {
    ...(body?.Type ? { code: body.Type } : {}),
    ...(words ? { message: words } : {}),
    ...(fix ? { fix } : {}),
  };
}

/** One element of a create's answer, as xero-node gives it back. */
export interface AnsweredElement {
  statusAttributeString?: string;
  validationErrors?: { message?: string }[];
  hasValidationErrors?: boolean;
  hasErrors?: boolean;
}

/**
 * With `summarizeErrors=false` Xero answers 200 even when an element was refused: its `StatusAttributeString`
 * is `ERROR` and its `ValidationErrors` say why. Such an answer is a failure of the posting, worded as a 400.
 */
export function elementFailure(
  what: string,
  request: string,
  element: AnsweredElement | undefined,
): VendorError | undefined {
  if (!element) {
    return new VendorError({
      vendor: 'Xero',
      request,
      what,
      status: 200,
      code: 'empty-answer',
      message: 'Xero answered without the element it was sent',
      retryable: true,
    });
  }
  const messages = (element.validationErrors ?? []).map((v) => v.message).filter((m): m is string => !!m);
  const failed =
    element.statusAttributeString === 'ERROR' || messages.length > 0 || element.hasErrors === true;
  if (!failed) return undefined;
  return new VendorError({
    vendor: 'Xero',
    request,
    what,
    status: 200,
    code: 'ValidationException',
    message: `Xero refused it: ${messages.length ? messages.join('; ') : 'the element came back with StatusAttributeString ERROR'}`,
    retryable: false,
    fix: FIX_VALIDATION,
  });
}
