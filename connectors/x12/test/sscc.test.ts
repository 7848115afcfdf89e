import { describe, expect, it } from 'vitest';
import { buildSscc, gs1CheckDigit, isValidSscc } from '../src/sscc.ts';

describe('gs1CheckDigit', () => {
  it('reproduces published check digits', () => {
    // U.P.C.-A 0 36000 24145 7, the usual worked example of the mod-10 rule.
    expect(gs1CheckDigit('03600024145')).toBe(7);
    // GS1 General Specifications, table 7-9 (check digit calculation): SSCC 376104250021234569.
    expect(gs1CheckDigit('37610425002123456')).toBe(9);
    // GS1 Digital Link examples: SSCC 106141412345678908.
    expect(gs1CheckDigit('10614141234567890')).toBe(8);
    // EANCOM GIN examples: 354123450000000014 and 354123450000000106.
    expect(gs1CheckDigit('35412345000000001')).toBe(4);
    expect(gs1CheckDigit('35412345000000010')).toBe(6);
  });

  it('weights from the right, so a leading zero does not change the digit', () => {
    expect(gs1CheckDigit('0037610425002123456')).toBe(gs1CheckDigit('37610425002123456'));
    // A sum that is already a multiple of ten gives 0, not 10.
    expect(gs1CheckDigit('0')).toBe(0);
    expect(gs1CheckDigit('5')).toBe(5);
  });

  it('refuses anything but digits', () => {
    expect(() => gs1CheckDigit('')).toThrow('digits only');
    expect(() => gs1CheckDigit('12 34')).toThrow('digits only');
    expect(() => gs1CheckDigit('1234A')).toThrow('digits only');
  });
});

describe('buildSscc', () => {
  it('builds the GS1 example from its parts', () => {
    expect(buildSscc({ extensionDigit: 3, companyPrefix: '7610425', serial: 2123456 })).toBe(
      '376104250021234569',
    );
  });

  it('pads the serial reference to fill 17 digits whatever the prefix length', () => {
    const seven = buildSscc({ extensionDigit: 0, companyPrefix: '0871234', serial: 1 });
    expect(seven).toBe('008712340000000018');
    expect(isValidSscc(seven)).toBe(true);
    const ten = buildSscc({ extensionDigit: 9, companyPrefix: '0871234567', serial: 42n });
    expect(ten.slice(0, 17)).toBe('90871234567000042');
    expect(ten).toHaveLength(18);
    expect(isValidSscc(ten)).toBe(true);
  });

  it('takes the largest serial that fits and refuses the next', () => {
    expect(buildSscc({ extensionDigit: 1, companyPrefix: '0871234567', serial: 999_999 }).slice(11, 17)).toBe(
      '999999',
    );
    expect(() => buildSscc({ extensionDigit: 1, companyPrefix: '0871234567', serial: 1_000_000 })).toThrow(
      'serial 1000000 does not fit the 6 digits a 10-digit company prefix leaves (the largest is 999999)',
    );
    // A 7-digit prefix leaves 9 digits; a bigint beyond the safe range is still checked exactly.
    expect(() => buildSscc({ extensionDigit: 1, companyPrefix: '0871234', serial: 10n ** 9n })).toThrow(
      'does not fit the 9 digits',
    );
  });

  it('refuses malformed parts with a message naming the part', () => {
    expect(() => buildSscc({ extensionDigit: 10, companyPrefix: '0871234', serial: 1 })).toThrow(
      'extension digit',
    );
    expect(() => buildSscc({ extensionDigit: 1.5, companyPrefix: '0871234', serial: 1 })).toThrow(
      'extension digit',
    );
    expect(() => buildSscc({ extensionDigit: 0, companyPrefix: '123456', serial: 1 })).toThrow(
      '7 to 10 digits',
    );
    expect(() => buildSscc({ extensionDigit: 0, companyPrefix: '12345678901', serial: 1 })).toThrow(
      '7 to 10 digits',
    );
    expect(() => buildSscc({ extensionDigit: 0, companyPrefix: '08712A4', serial: 1 })).toThrow(
      '7 to 10 digits',
    );
    expect(() => buildSscc({ extensionDigit: 0, companyPrefix: '0871234', serial: -1 })).toThrow('negative');
    expect(() => buildSscc({ extensionDigit: 0, companyPrefix: '0871234', serial: 2.5 })).toThrow(
      'whole number',
    );
  });
});

describe('isValidSscc', () => {
  it('accepts published SSCCs', () => {
    for (const s of [
      '376104250021234569',
      '106141412345678908',
      '354123450000000014',
      '354123450000000106',
    ]) {
      expect(isValidSscc(s)).toBe(true);
    }
  });

  it('rejects a wrong check digit, a wrong length, the AI prefix and non-digits', () => {
    expect(isValidSscc('376104250021234568')).toBe(false);
    expect(isValidSscc('37610425002123456')).toBe(false);
    expect(isValidSscc('00376104250021234569')).toBe(false);
    expect(isValidSscc(' 376104250021234569')).toBe(false);
    expect(isValidSscc('37610425002123456X')).toBe(false);
  });

  it('finds the sample 856 SSCCs (AI 00 + 18 digits) have check digits that are not GS1 ones', () => {
    // MAN*GM*00000715670002152360 in the shared pick-and-pack sample: "00" then 000715670002152360, whose
    // check digit is 3, not 0. Its neighbours (…2377, …2384, …2391) are off the same way: made-up numbers.
    const marks = '00000715670002152360';
    expect(marks.slice(0, 2)).toBe('00');
    expect(gs1CheckDigit(marks.slice(2, 19))).toBe(3);
    expect(isValidSscc(marks.slice(2))).toBe(false);
    expect(isValidSscc(marks)).toBe(false);
    for (const m of ['00000715670002152377', '00000715670002152384', '00000715670002152391']) {
      expect(isValidSscc(m.slice(2))).toBe(false);
    }
  });
});
