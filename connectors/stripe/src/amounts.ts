import { currencyExponent, type Money, PermanentError } from '@switchyard/core';

/** Currencies Stripe counts in whole units, whatever ISO 4217 says (MGA has 2 decimals in ISO, none in Stripe). */
const STRIPE_ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
/** Currencies Stripe counts in thousandths, whose last digit must be 0. */
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Stripe's exponent for a currency: ISK, for one, is two-decimal in Stripe's API though ISO gives it none. */
export function stripeExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (STRIPE_ZERO_DECIMAL.has(code)) return 0;
  if (STRIPE_THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** The hub's amount (ISO minor units) as Stripe's integer; refused when Stripe cannot express it exactly. */
export function toStripeAmount(money: Money): number {
  const shift = stripeExponent(money.currency) - currencyExponent(money.currency);
  const amount = shift >= 0 ? money.amount * 10 ** shift : money.amount / 10 ** -shift;
  if (
    !Number.isSafeInteger(amount) ||
    (STRIPE_THREE_DECIMAL.has(money.currency.toUpperCase()) && amount % 10 !== 0)
  ) {
    throw new PermanentError(
      `${money.amount} minor units of ${money.currency} cannot be charged through Stripe exactly (Stripe counts ${money.currency} with ${stripeExponent(money.currency)} decimals${STRIPE_THREE_DECIMAL.has(money.currency.toUpperCase()) ? ', the last one 0' : ''})`,
    );
  }
  return amount;
}

/** A Stripe integer amount back in the hub's minor units. */
export function fromStripeAmount(amount: number, currency: string): Money {
  const code = currency.toUpperCase();
  const shift = currencyExponent(code) - stripeExponent(code);
  const value = shift >= 0 ? amount * 10 ** shift : amount / 10 ** -shift;
  if (!Number.isSafeInteger(value)) {
    throw new PermanentError(`Stripe's ${amount} (${code}) is not a whole number of the hub's minor units`);
  }
  return { amount: value, currency: code };
}
