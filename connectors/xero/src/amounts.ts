import { createHash } from 'node:crypto';
import { formatMoney, money, parseMoney } from '@switchyard/core';

/**
 * Xero speaks decimals ("19.99") and .NET dates ("/Date(1552348800000+0000)/"); the hub speaks integer minor
 * units and ISO 8601. These convert at the edge, exactly (core's money helpers: no float arithmetic).
 */

/** Minor units as the decimal number Xero's models take (1999 USD → 19.99; 500 JPY → 500). */
export function decimal(minor: number, currency: string): number {
  return Number(formatMoney(money(minor, currency)));
}

/**
 * A decimal amount Xero answered (a JSON number, 2 decimals) as minor units; absent is zero. Xero keeps two
 * decimals whatever the currency (a merchant's own JPY invoice may say 99.50): what the currency cannot hold
 * is rounded half-even, as tax engines do, rather than refusing the whole answer.
 */
export function minor(value: number | string | undefined | null, currency: string): number {
  if (value === undefined || value === null) return 0;
  return parseMoney(value, currency, { round: 'half-even' }).amount;
}

const DOTNET_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/**
 * A date as Xero or xero-node gives it: a Date (xero-node turns "/Date(…)/" strings into Dates), the .NET form
 * itself, or ISO 8601 (`UpdatedDateUTCString`, webhook `eventDateUtc` without a zone, which is UTC).
 */
export function xeroDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const dotnet = DOTNET_DATE.exec(value.trim());
  // The offset of the .NET form says which zone the time was shown in; the milliseconds are UTC already.
  if (dotnet) return new Date(Number(dotnet[1]));
  const text = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** The ISO 8601 form of a Xero date, when it has one. */
export function isoDate(value: unknown): string | undefined {
  return xeroDate(value)?.toISOString();
}

/** Xero keeps an `Idempotency-Key` of at most 128 characters. */
export const MAX_IDEMPOTENCY_KEY = 128;

/**
 * The `Idempotency-Key` of one create within an action: the action's key (the same on every retry of its
 * workflow step) and the create's own suffix ("invoice", "payment"), so each create of a posting is replayed on
 * its own. A key too long for Xero, or with characters a header cannot carry, is hashed (SHA-256), keeping it
 * stable.
 */
export function idempotencyKeyOf(actionKey: string, suffix: string): string {
  const key = `${actionKey}:${suffix}`;
  if (key.length <= MAX_IDEMPOTENCY_KEY && /^[\x21-\x7e]+$/.test(key)) return key;
  return `sha256-${createHash('sha256').update(actionKey).digest('hex')}:${suffix}`.slice(
    0,
    MAX_IDEMPOTENCY_KEY,
  );
}

/** A string in a Xero `where` filter: double quotes, a quote inside doubled (the filter's own escape). */
export function quoted(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
