import { MoneyError, parseMoney, priceProblem, quantityProblem } from '@switchyard/core';
import type { Segment } from './types.ts';
import type { RuleBreak, SetRules } from './validate.ts';

/**
 * What an 850 must keep beyond the standard for the hub to import it: core's order rules (ORDER_RULES) on the
 * values the hub reads. The standard lets PO102 (quantity) and PO104 (unit price) be any decimal number, so
 * `PO1*1*0*EA*12.50`, `PO1*1*-2*…`, `PO1*1*1.5*…` and `PO1*1*2*EA*-12.50` are valid X12, and no order line.
 * Checked at the edge, in the 997/999 (AK3 PO1, AK4 at the element, the value echoed), so the partner hears
 * of it at once and nothing from the set is imported. The rule itself is core's (`quantityProblem`,
 * `priceProblem`); this file says which X12 values it applies to, how they are read, and what code the
 * acknowledgment gives:
 *
 * - 997 (syntax codes only): 6 "invalid character" for a minus sign, or a decimal point with a fraction
 *   (the implementation allows neither); 7 "invalid code value" for a zero, the only 997 code that says "a value
 *   this receiver does not accept" without pointing at the characters, type or length, which are all valid.
 * - 999: I12 "implementation pattern match failure" for all of them.
 */

/** The AK403 for a value that keeps the standard's syntax but breaks the hub's rule, by what is wrong with it. */
function ak403(value: string, number: number): string {
  return value.includes('-') || !Number.isInteger(number) ? '6' : '7';
}

/** IK403: the hub's implementation of the 850 does not allow the value. */
const I12 = 'I12';

/** An X12 decimal (R): an optional minus, digits, one optional decimal point; NaN for anything else. */
export function x12Number(value: string): number {
  return /^-?(\d+\.?\d*|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
}

/** Why an ordered quantity as sent (PO102) cannot be an order line's, or undefined when it can. */
export function quantityMessage(value: string): string | undefined {
  const problem = quantityProblem(x12Number(value));
  return problem && `quantity "${value}" ${problem}`;
}

/**
 * An amount as sent (PO104, AMT02) in minor units of the currency, or a MoneyError's message when it cannot be
 * read as one (too many decimals for the currency).
 */
export function x12Money(value: string, currency: string): { amount: number } | { error: string } {
  try {
    // X12 writes ".5" where core wants "0.5".
    return parseMoney(value.replace(/^(-?)\./, '$10.'), currency);
  } catch (error) {
    if (error instanceof MoneyError) return { error: error.message };
    throw error;
  }
}

/** Why an amount in minor units cannot be an order's price or total (named `what`), or undefined when it can. */
export function amountMessage(what: string, value: string, amount: number): string | undefined {
  const problem = priceProblem(amount);
  return problem && `${what} "${value}" ${problem}`;
}

/**
 * The rules an 850 is checked against as it is read, one segment at a time (what `purchaseOrder` reads, where it
 * reads it): PO102 and PO104 of each PO1; AMT02 of an AMT*TT or AMT*1 in the header or the summary (the total
 * the lines are checked against). CTT01 is a count, compared with the lines by `purchaseOrder`; SAC and the
 * line-level AMTs are not read by the hub.
 */
export class PurchaseOrderRules implements SetRules {
  private line = 0;
  private summary = false;
  private currency: string;

  constructor(currency = 'USD') {
    this.currency = currency;
  }

  check(segment: Segment): RuleBreak[] | undefined {
    const e = segment.elements;
    switch (segment.id) {
      case 'CUR':
        // The header's currency (the first CUR before the lines), as purchaseOrder takes it.
        if (!this.line && /^[A-Z]{3}$/.test(e[1] ?? '')) this.currency = e[1]!;
        return undefined;
      case 'PO1':
        this.line++;
        return this.po1(e);
      case 'CTT':
        this.summary = true;
        return undefined;
      case 'AMT':
        return (!this.line || this.summary) && (e[0] === 'TT' || e[0] === '1') ? this.total(e) : undefined;
      default:
        return undefined;
    }
  }

  private po1(e: readonly string[]): RuleBreak[] | undefined {
    const out: RuleBreak[] = [];
    const where = `line ${this.line}${e[0] ? ` (PO101 "${e[0]}")` : ''}`;
    const quantity = e[1] ?? '';
    // An empty or unreadable PO102 is the standard's business (C0302, type R) or purchaseOrder's.
    if (quantity && !Number.isNaN(x12Number(quantity))) {
      const message = quantityMessage(quantity);
      if (message) {
        out.push({
          element: 2,
          code: ak403(quantity, x12Number(quantity)),
          implementation: I12,
          message: `PO102: ${where}: ${message}`,
          value: quantity,
        });
      }
    }
    const price = e[3] ?? '';
    if (price && !Number.isNaN(x12Number(price))) {
      const read = x12Money(price, this.currency);
      const message = 'amount' in read ? amountMessage('unit price', price, read.amount) : undefined;
      if (message) {
        out.push({
          element: 4,
          code: '6',
          implementation: I12,
          message: `PO104: ${where}: ${message}`,
          value: price,
        });
      }
    }
    return out.length ? out : undefined;
  }

  private total(e: readonly string[]): RuleBreak[] | undefined {
    const value = e[1] ?? '';
    if (!value || Number.isNaN(x12Number(value))) return undefined;
    const read = x12Money(value, this.currency);
    const message = 'amount' in read ? amountMessage(`AMT*${e[0]} total`, value, read.amount) : undefined;
    return message
      ? [{ element: 2, code: '6', implementation: I12, message: `AMT02: ${message}`, value }]
      : undefined;
  }
}
