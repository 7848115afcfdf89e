import { z } from 'zod';

/**
 * ISO 4217 minor-unit exponents for every active currency code. Codes absent from
 * the exceptions below use 2. The list is explicit (not Intl's CLDR data, which
 * differs from ISO for cash rounding): an amount is always an integer count of
 * the currency's minor unit.
 */
const EXPONENT_EXCEPTIONS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const ACTIVE_CODES = `AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED
VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`;

const CURRENCIES: ReadonlyMap<string, number> = new Map(
  ACTIVE_CODES.split(/\s+/)
    .filter(Boolean)
    .map((code) => [code, EXPONENT_EXCEPTIONS[code] ?? 2]),
);

export function isCurrencyCode(code: string): boolean {
  return CURRENCIES.has(code);
}

/** The number of decimal places of the currency's minor unit (JPY 0, USD 2, KWD 3). */
export function currencyExponent(code: string): number {
  const exponent = CURRENCIES.get(code);
  if (exponent === undefined) throw new MoneyError(`"${code}" is not an active ISO 4217 currency code`);
  return exponent;
}

export class MoneyError extends Error {
  override name = 'MoneyError';
}

export const CurrencyCode = z
  .string()
  .refine(isCurrencyCode, { message: 'must be an active ISO 4217 currency code such as USD, EUR or JPY' });

/** An amount in integer minor units (cents for USD, yen for JPY, fils for KWD). */
export const Money = z.object({
  amount: z.number().int().refine(Number.isSafeInteger, { message: 'amount exceeds the safe integer range' }),
  currency: CurrencyCode,
});
export type Money = z.infer<typeof Money>;

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError(`amount ${amount} is not an integer count of minor units`);
  }
  currencyExponent(currency);
  return { amount, currency };
}

export function zero(currency: string): Money {
  return money(0, currency);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError(`cannot combine ${a.currency} with ${b.currency}: convert first`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function multiply(a: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) throw new MoneyError(`factor ${factor} must be an integer`);
  return money(a.amount * factor, a.currency);
}

export function sum(currency: string, amounts: Iterable<Money>): Money {
  let total = zero(currency);
  for (const m of amounts) total = add(total, m);
  return total;
}

export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal amount as vendors send it ("19.99", "1500", "0.125", or a JSON
 * number already parsed) into integer minor units, without floating-point
 * arithmetic. More decimals than the currency allows are accepted only when the
 * extra digits are zeros ("19.990" USD); otherwise it is an error, because
 * silently rounding money hides a mapping bug. A vendor known to send finer
 * prices (4-decimal unit prices) is read with `{ round: 'half-even' }` (banker's
 * rounding, what most tax engines use) or `{ round: 'half-up' }` (half away from
 * zero, what shop carts show), asked for explicitly at that call.
 */
export function parseMoney(value: string | number, currency: string, options: ParseMoneyOptions = {}): Money {
  const exponent = currencyExponent(currency);
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new MoneyError(`"${value}" is not a decimal amount`);
  const [, sign, whole = '0', fraction = ''] = match;
  const extra = fraction.slice(exponent);
  if (/[^0]/.test(extra) && !options.round) {
    throw new MoneyError(
      `"${value}" has more decimals than ${currency} allows (${exponent}): round it explicitly (parseMoney(value, currency, { round: 'half-even' })) if the vendor is known to send finer amounts`,
    );
  }
  const digits = (whole + fraction.slice(0, exponent).padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  const kept = Number(digits);
  const amount = options.round && roundsAway(extra, kept, options.round) ? kept + 1 : kept;
  if (!Number.isSafeInteger(amount)) throw new MoneyError(`"${value}" is too large`);
  // "-0.00" (or a negative amount rounded to nothing) is zero, not -0.
  return money(sign === '-' && amount !== 0 ? -amount : amount, currency);
}

export interface ParseMoneyOptions {
  /** Round digits beyond the currency's exponent instead of refusing them; ties by the rule named. */
  round?: 'half-even' | 'half-up';
}

/** Whether the dropped digits round the magnitude up (ties: half-up away from zero, half-even to even). */
function roundsAway(dropped: string, kept: number, rule: 'half-even' | 'half-up'): boolean {
  const first = dropped.charCodeAt(0) - 48;
  if (!(first >= 5)) return false;
  if (first > 5 || /[^0]/.test(dropped.slice(1))) return true;
  return rule === 'half-up' || kept % 2 === 1;
}

/**
 * A line's total as a unit price for `quantity` items and what does not divide: vendors that send line totals
 * (WooCommerce's rounded lines, Amazon's ItemPrice for the quantity) give a unit price in whole minor units,
 * the remainder carried as a rounding adjustment so the order still adds up to the cent.
 */
export function splitLineTotal(total: Money, quantity: number): { unit: Money; remainder: Money } {
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new MoneyError(
      `cannot split a line total over a quantity of ${quantity}: it must be a whole number of at least 1`,
    );
  }
  const unit = Math.floor(total.amount / quantity);
  return {
    unit: money(unit, total.currency),
    remainder: money(total.amount - unit * quantity, total.currency),
  };
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) throw new MoneyError(`${n} is not a finite amount`);
  // Shortest round-trip representation; reject exponent forms like 1e21.
  const text = String(n);
  if (/e/i.test(text)) throw new MoneyError(`${n} is out of range for an amount`);
  return text;
}

/** Formats minor units back to a plain decimal string ("19.99", "1500", "1.250"). */
export function formatMoney(m: Money): string {
  const exponent = currencyExponent(m.currency);
  const negative = m.amount < 0;
  const digits = String(Math.abs(m.amount)).padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(-exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/**
 * An amount as people read it in messages and tables: "12.50 USD", "1500 JPY"; a code that is not a currency
 * (an amount stored before its currency was checked) reads "1250 minor units of XYZ" instead of throwing.
 */
export function moneyWords(amount: number, currency: string): string {
  return isCurrencyCode(currency)
    ? `${formatMoney({ amount, currency })} ${currency}`
    : `${amount} minor units of ${currency}`;
}
