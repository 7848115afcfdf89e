import { retryAfterMs, type VendorAnswer, type VendorProblem } from '@switchyard/core';

/**
 * QuickBooks Online's error bodies: `{ "Fault": { "Error": [{ "Message", "Detail", "code", "element" }], "type" } }`
 * (ValidationFault, SystemFault, ThrottlingFault…). The gateway's own 401 spells the same in lower case
 * (`{ "fault": { "error": [{ "message", "detail", "code" }], "type": "AUTHENTICATION" } }`), so keys are read
 * case-insensitively.
 */
export interface QuickBooksFaultError {
  message?: string;
  detail?: string;
  code?: string;
  element?: string;
}

/** How long to wait after a 429 when QuickBooks does not say (its documented pause). */
export const THROTTLE_WAIT_MS = 60_000;

function field(object: unknown, name: string): unknown {
  if (!object || typeof object !== 'object') return undefined;
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : (object as Record<string, unknown>)[key];
}

const text = (value: unknown) =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** The errors of a Fault body, with its type; none when the body carries no Fault (or is not JSON). */
export function faultOf(body: string): { type?: string; errors: QuickBooksFaultError[] } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const fault = field(parsed, 'fault');
  if (!fault || typeof fault !== 'object') return undefined;
  const list = field(fault, 'error');
  const errors = (Array.isArray(list) ? list : []).map((e) => {
    const error: QuickBooksFaultError = {};
    const [message, detail, code, element] = ['message', 'detail', 'code', 'element'].map((k) =>
      text(field(e, k)),
    );
    if (message) error.message = message;
    if (detail) error.detail = detail;
    if (code) error.code = code;
    if (element) error.element = element;
    return error;
  });
  const type = text(field(fault, 'type'));
  return { ...(type ? { type } : {}), errors };
}

/** What to do about a Fault, by QuickBooks' error code (its words are kept in the message). */
const FIXES: Readonly<Record<string, string>> = {
  '6240':
    'QuickBooks names are unique across customers, vendors and employees: rename the one in QuickBooks, or name the customer in the accounting mapping (customer.ref)',
  '6000':
    "correct what QuickBooks refused (its detail above): usually an account, item or tax code in the connection's accounting mapping, or a closed books period; then replay the posting",
  '5010':
    'the object changed in QuickBooks since it was read: read it again and repeat the change with its new SyncToken',
  '610':
    "the object is missing or inactive in QuickBooks: check the connection's accounting mapping names an active account, item, customer or class",
  '2500':
    "an id in the request does not exist in this QuickBooks company: check the connection's accounting mapping (accounts, items, tax codes, classes, locations) against this company",
  '2020':
    "a field QuickBooks requires is missing (named above): set it in the connection's accounting mapping",
  '2010':
    'QuickBooks refused a field of the request (named above): report it, the connector must not send it',
  '4000': 'QuickBooks could not parse a query: report it, the connector built it',
  '3100':
    'the app is not authorized for this company any more (or its subscription lapsed): authorize the connection again',
  '3200':
    'the access token was refused: the hub refreshes it; if it persists, authorize the connection again',
  '6190':
    "the QuickBooks company's subscription has ended or is suspended: the merchant must reactivate it in QuickBooks",
};

/**
 * QuickBooks' reading of an answer for core's client: the Fault's code and words (`Message: Detail`), what to
 * do, and for a 429 the documented 60 s pause (or the Retry-After it sends). A 200 that carries a Fault is a
 * failure too.
 */
export function quickbooksProblem(answer: VendorAnswer, now: number = Date.now()): VendorProblem | undefined {
  const fault = faultOf(answer.text);
  if (answer.status < 400 && !fault) return undefined;
  const error = fault?.errors[0];
  const words = error
    ? [
        error.message,
        error.detail && error.detail !== error.message ? error.detail : undefined,
        error.element ? `element ${error.element}` : undefined,
      ]
        .filter(Boolean)
        .join(': ')
    : undefined;
  const throttled = answer.status === 429 || fault?.type === 'ThrottlingFault' || error?.code === '3001';
  const code = error?.code;
  const fix = throttled
    ? 'wait: QuickBooks allows 500 requests a minute, 10 a second and 10 at once per company; the hub paces its calls and waits 60 s after a refusal'
    : code
      ? FIXES[code]
      : undefined;
  // A business refusal (a 400 with a Fault, or a Fault inside a 200) is not mended by asking again; a throttle is.
  const refused = answer.status < 400 || (answer.status === 400 && !!fault);
  return {
    ...(code ? { code } : {}),
    ...(words ? { message: words } : {}),
    ...(fix ? { fix } : {}),
    ...(throttled
      ? {
          retryable: true,
          retryAfterMs: retryAfterMs(answer.headers.get('retry-after'), now) ?? THROTTLE_WAIT_MS,
        }
      : refused
        ? { retryable: false }
        : {}),
  };
}
