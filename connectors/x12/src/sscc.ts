/**
 * GS1 Serial Shipping Container Codes (SSCC-18), the carton labels an 856 names in MAN*GM.
 *
 * An SSCC is 18 digits: an extension digit (0-9, the labeller's own choice), the GS1 Company Prefix (7 to 10
 * digits), a serial reference that fills the remaining digits up to 17, and the GS1 mod-10 check digit.
 * On a GS1-128 label and in MAN*GM it is usually preceded by its Application Identifier "(00)"; that prefix is
 * not part of the SSCC itself and is never accepted here (see `manMarks` in outbound.ts).
 */

const DIGITS = /^\d+$/;

/**
 * The GS1 check digit (GS1 General Specifications §7.9) of `digits`, the data digits without their check
 * digit: weights 3, 1, 3, 1… from the rightmost digit, summed; the check digit brings the sum up to a
 * multiple of ten. Works for every GS1 key (GTIN-8/12/13/14, GLN, SSCC).
 */
export function gs1CheckDigit(digits: string): number {
  if (!DIGITS.test(digits))
    throw new Error(`a GS1 check digit is computed over digits only, got "${digits}"`);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

export interface SsccParts {
  /** 0-9, assigned by the company that builds the SSCC to extend the serial range. */
  extensionDigit: number;
  /** The GS1 Company Prefix, 7 to 10 digits, leading zeros included (a U.P.C. prefix keeps its 0). */
  companyPrefix: string;
  /** The serial reference, unique per logistic unit for at least a year; zero-padded on the left. */
  serial: number | bigint;
}

/** Builds the 18-digit SSCC: extension digit + company prefix + zero-padded serial reference + check digit. */
export function buildSscc(input: SsccParts): string {
  const { extensionDigit, companyPrefix, serial } = input;
  if (!Number.isInteger(extensionDigit) || extensionDigit < 0 || extensionDigit > 9) {
    throw new Error(`the SSCC extension digit must be one digit 0-9, got ${extensionDigit}`);
  }
  if (!/^\d{7,10}$/.test(companyPrefix)) {
    throw new Error(`a GS1 Company Prefix is 7 to 10 digits, got "${companyPrefix}"`);
  }
  if (typeof serial === 'number' && !Number.isSafeInteger(serial)) {
    throw new Error(`the SSCC serial reference must be a whole number, got ${serial}`);
  }
  const value = BigInt(serial);
  if (value < 0n) throw new Error(`the SSCC serial reference cannot be negative, got ${value}`);
  const width = 16 - companyPrefix.length;
  const reference = value.toString();
  if (reference.length > width) {
    throw new Error(
      `serial ${value} does not fit the ${width} digits a ${companyPrefix.length}-digit company prefix leaves ` +
        `(the largest is ${'9'.repeat(width)})`,
    );
  }
  const body = `${extensionDigit}${companyPrefix}${reference.padStart(width, '0')}`;
  return `${body}${gs1CheckDigit(body)}`;
}

/** True when `s` is exactly 18 digits whose last is the GS1 check digit of the first 17 (no "00" AI prefix). */
export function isValidSscc(s: string): boolean {
  return /^\d{18}$/.test(s) && gs1CheckDigit(s.slice(0, 17)) === s.charCodeAt(17) - 48;
}
