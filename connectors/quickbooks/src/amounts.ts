import { currencyExponent, formatMoney, money, parseMoney } from '@switchyard/core';

/**
 * Money at QuickBooks' edge. The hub counts integer minor units; QuickBooks takes and answers JSON numbers in
 * the transaction's currency. Writing: the exact decimal (core's `formatMoney`) as a number, which JSON
 * carries exactly for any amount below 2^53 minor units (the shortest round-trip text of a double is that
 * decimal). Reading: back to minor units with core's `parseMoney`, rounding half-even only past the
 * currency's exponent, where QuickBooks' own doubles can show an artefact (362.07000000000005).
 */
export function toDecimal(minor: number, currency: string): number {
  return Number(formatMoney(money(minor, currency)));
}

export function toMinor(value: unknown, currency: string): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new Error(`QuickBooks answered an amount that is not a number: ${JSON.stringify(value)}`);
  }
  return parseMoney(value, currency, { round: 'half-even' }).amount;
}

/** Decimal places QuickBooks keeps on a unit price. */
const UNIT_PRICE_DECIMALS = 7;

/**
 * A line's unit price such that QuickBooks' check (Amount = Qty × UnitPrice, to the cent) holds: the hub's
 * own unit price when the line is quantity × unitAmount, else the line's amount spread over its quantity
 * (a line discount, or tax taken out of an inclusive price), to 7 decimals, rounded half away from zero.
 */
export function unitPriceOf(amount: number, quantity: number, unitAmount: number, currency: string): number {
  if (quantity * unitAmount === amount) return toDecimal(unitAmount, currency);
  const exponent = currencyExponent(currency);
  const scale = 10n ** BigInt(UNIT_PRICE_DECIMALS - exponent);
  // Quantities may be fractional (hours, weights): count them in millionths to divide with integers.
  const q = BigInt(Math.round(quantity * 1_000_000));
  if (q === 0n) return 0;
  const numerator = BigInt(amount) * scale * 1_000_000n;
  const negative = numerator < 0n !== q < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = q < 0n ? -q : q;
  let scaled = n / d;
  if ((n % d) * 2n >= d) scaled += 1n;
  const digits = scaled.toString().padStart(UNIT_PRICE_DECIMALS + 1, '0');
  const text = `${digits.slice(0, -UNIT_PRICE_DECIMALS)}.${digits.slice(-UNIT_PRICE_DECIMALS)}`;
  return Number(`${negative ? '-' : ''}${text}`);
}
