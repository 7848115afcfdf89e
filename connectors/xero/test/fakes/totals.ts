/**
 * The fake's own arithmetic, as Xero does it: in cents, each line's amount from its quantity and unit amount
 * less its discount, its tax as sent (or from the tax type's rate when none is sent), and the document's
 * SubTotal / TotalTax / Total by its LineAmountTypes. `taxDrift` moves the first taxed line's tax by a cent,
 * as Xero's own rounding sometimes does, so a test can check that the hub reads Xero's figures, not its own.
 */
export type Json = Record<string, unknown>;

export const cents = (value: unknown): number => Math.round(Number(value ?? 0) * 100);
export const amount = (c: number): number => c / 100;

export interface TotalsOptions {
  /** Rates by TaxType, used when a line sends no TaxAmount (e.g. { OUTPUT2: 0.15 }). */
  taxRates: Record<string, number>;
  /** Cents added to the tax of the first taxed line: -1, 0 or 1. */
  taxDrift: number;
}

export interface Computed {
  lines: Json[];
  subTotal: number;
  totalTax: number;
  total: number;
  errors: string[];
}

export function computeTotals(lineItems: Json[], lineAmountTypes: string, options: TotalsOptions): Computed {
  const errors: string[] = [];
  let drifted = false;
  const mode = lineAmountTypes || 'Exclusive';
  const lines = lineItems.map((line, index) => {
    const quantity = line.Quantity === undefined ? 1 : Number(line.Quantity);
    const unit = cents(line.UnitAmount);
    const discount = cents(line.DiscountAmount);
    const expected = Math.round(quantity * unit) - discount;
    if (line.LineAmount !== undefined && Math.abs(cents(line.LineAmount) - expected) > 1) {
      errors.push(
        `Line ${index + 1}: the line amount ${line.LineAmount} does not equal quantity × unit amount less discount (${amount(expected)})`,
      );
    }
    const taxType = typeof line.TaxType === 'string' ? line.TaxType : undefined;
    let tax = 0;
    if (mode !== 'NoTax' && taxType) {
      if (line.TaxAmount !== undefined) tax = cents(line.TaxAmount);
      else {
        const rate = options.taxRates[taxType] ?? 0;
        tax =
          mode === 'Inclusive' ? Math.round(expected - expected / (1 + rate)) : Math.round(expected * rate);
      }
      if (!drifted && tax !== 0 && options.taxDrift) {
        tax += options.taxDrift;
        drifted = true;
      }
    }
    return {
      LineItemID: crypto.randomUUID(),
      Description: line.Description,
      Quantity: quantity,
      UnitAmount: amount(unit),
      ...(line.ItemCode ? { ItemCode: line.ItemCode } : {}),
      AccountCode: line.AccountCode,
      ...(taxType ? { TaxType: taxType } : {}),
      TaxAmount: amount(tax),
      LineAmount: amount(expected),
      ...(discount ? { DiscountAmount: amount(discount) } : {}),
      Tracking: Array.isArray(line.Tracking) ? line.Tracking : [],
      _cents: { line: expected, tax },
    };
  });
  const lineSum = lines.reduce((s, l) => s + l._cents.line, 0);
  const totalTax = lines.reduce((s, l) => s + l._cents.tax, 0);
  const subTotal = mode === 'Inclusive' ? lineSum - totalTax : lineSum;
  const total = mode === 'Inclusive' ? lineSum : lineSum + totalTax;
  return {
    lines: lines.map(({ _cents, ...line }) => line),
    subTotal,
    totalTax,
    total,
    errors,
  };
}

/** Xero's .NET date: "/Date(1552348800000+0000)/". */
export const dotnetDate = (ms: number): string => `/Date(${ms}+0000)/`;

/** A YYYY-MM-DD date as Xero shows it back: the .NET form and the `…String` form. */
export function dayOf(date: unknown): { ms: number; text: string } | undefined {
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(date)) return undefined;
  const ms = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : { ms, text: `${date.slice(0, 10)}T00:00:00` };
}
