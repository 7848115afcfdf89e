import { describe, expect, it } from 'vitest';
import { add, currencyExponent, formatMoney, money, parseMoney, splitLineTotal, sum } from './money.ts';

describe('money', () => {
  it('uses each currency’s real ISO 4217 exponent', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('CLF')).toBe(4);
    expect(() => currencyExponent('XYZ')).toThrow(/not an active ISO 4217/);
  });

  it('parses decimal strings into integer minor units without floating point', () => {
    expect(parseMoney('19.99', 'USD')).toEqual({ amount: 1999, currency: 'USD' });
    expect(parseMoney('0.10', 'USD').amount).toBe(10);
    expect(parseMoney('1200', 'JPY').amount).toBe(1200);
    expect(parseMoney('12.345', 'KWD').amount).toBe(12345);
    expect(parseMoney('-5.5', 'EUR').amount).toBe(-550);
    expect(parseMoney('19.990', 'USD').amount).toBe(1999);
    // 0.1 + 0.2 style traps: 1.15 * 100 is 114.99999999999999 in floating point.
    expect(parseMoney('1.15', 'USD').amount).toBe(115);
    expect(parseMoney(1.15, 'USD').amount).toBe(115);
    expect(parseMoney('4503599627370.49', 'USD').amount).toBe(450359962737049);
  });

  it('refuses to round silently', () => {
    expect(() => parseMoney('19.999', 'USD')).toThrow(/more decimals than USD allows \(2\)/);
    expect(() => parseMoney('1.5', 'JPY')).toThrow(/JPY allows \(0\)/);
    expect(() => parseMoney('abc', 'USD')).toThrow(/not a decimal amount/);
    expect(() => parseMoney('1e3', 'USD')).toThrow(/not a decimal amount/);
    expect(() => parseMoney('99999999999999999', 'USD')).toThrow(/too large/);
  });

  it('formats back to plain decimals', () => {
    expect(formatMoney(money(1999, 'USD'))).toBe('19.99');
    expect(formatMoney(money(5, 'USD'))).toBe('0.05');
    expect(formatMoney(money(-5, 'KWD'))).toBe('-0.005');
    expect(formatMoney(money(1200, 'JPY'))).toBe('1200');
  });

  it('never mixes currencies', () => {
    expect(() => add(money(1, 'USD'), money(1, 'EUR'))).toThrow(/cannot combine USD with EUR/);
    expect(sum('USD', [money(1, 'USD'), money(2, 'USD')])).toEqual(money(3, 'USD'));
    expect(() => money(1.5, 'USD')).toThrow(/not an integer/);
  });

  it('rounds finer amounts only when asked, by the rule asked', () => {
    expect(() => parseMoney('1.2345', 'USD')).toThrow(/round it explicitly/);
    const even = (v: string | number, c = 'USD') => parseMoney(v, c, { round: 'half-even' }).amount;
    const up = (v: string | number, c = 'USD') => parseMoney(v, c, { round: 'half-up' }).amount;
    expect(even('1.2345')).toBe(123);
    expect(even('1.2350')).toBe(124); // tie, 3 is odd: to 4
    expect(even('1.2250')).toBe(122); // tie, 2 is even: stays
    expect(even('1.22501')).toBe(123); // beyond the tie
    expect(up('1.2250')).toBe(123);
    expect(up('1.2249')).toBe(122);
    expect(up('-1.2250')).toBe(-123); // half away from zero
    expect(even('-0.005')).toBe(0);
    expect(up('0.995')).toBe(100); // the carry reaches the units
    expect(even('2.5', 'JPY')).toBe(2);
    expect(up('2.5', 'JPY')).toBe(3);
    expect(even('12.3455', 'KWD')).toBe(12346);
    expect(even(19.9999)).toBe(2000);
    expect(even('19.99')).toBe(1999); // nothing to round: as without the option
  });

  it('splits a line total into a unit price and the remainder that does not divide', () => {
    expect(splitLineTotal(money(1000, 'USD'), 3)).toEqual({
      unit: money(333, 'USD'),
      remainder: money(1, 'USD'),
    });
    expect(splitLineTotal(money(900, 'USD'), 3)).toEqual({
      unit: money(300, 'USD'),
      remainder: money(0, 'USD'),
    });
    expect(() => splitLineTotal(money(900, 'USD'), 0)).toThrow(/at least 1/);
  });
});
