import { isPermanent } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { fromStripeAmount, toStripeAmount } from '../src/amounts.ts';

describe('Stripe amounts', () => {
  it('converts where Stripe’s exponent differs from ISO 4217', () => {
    expect(toStripeAmount({ amount: 1999, currency: 'EUR' })).toBe(1999);
    expect(toStripeAmount({ amount: 500, currency: 'JPY' })).toBe(500);
    // ISK: ISO has no decimals, Stripe counts hundredths.
    expect(toStripeAmount({ amount: 1500, currency: 'ISK' })).toBe(150_000);
    expect(fromStripeAmount(150_000, 'isk')).toEqual({ amount: 1500, currency: 'ISK' });
    // MGA: ISO has two decimals, Stripe none.
    expect(toStripeAmount({ amount: 250_000, currency: 'MGA' })).toBe(2500);
    expect(toStripeAmount({ amount: 5120, currency: 'KWD' })).toBe(5120);
  });

  it('refuses amounts Stripe cannot express exactly', () => {
    for (const money of [
      { amount: 5125, currency: 'KWD' },
      { amount: 250_050, currency: 'MGA' },
    ]) {
      let thrown: unknown;
      try {
        toStripeAmount(money);
      } catch (error) {
        thrown = error;
      }
      expect(isPermanent(thrown)).toBe(true);
      expect((thrown as Error).message).toMatch(/cannot be charged through Stripe exactly/);
    }
  });
});
