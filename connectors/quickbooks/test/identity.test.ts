import { describe, expect, it } from 'vitest';
import { toDecimal, toMinor, unitPriceOf } from '../src/amounts.ts';
import { displayNameOf } from '../src/customers.ts';
import { derivedDocNumber, docNumberOf, namesPosting, privateNoteOf } from '../src/identity.ts';
import { apiOriginOf, Settings } from '../src/index.ts';

describe('settings', () => {
  it("defaults to Intuit's production hosts, and the sandbox's on request", () => {
    const production = Settings.parse({ clientId: 'AB1' });
    expect(production).toMatchObject({
      environment: 'production',
      oauthOrigin: 'https://oauth.platform.intuit.com',
      authorizeOrigin: 'https://appcenter.intuit.com',
      homeCurrency: 'USD',
    });
    expect(apiOriginOf(production)).toBe('https://quickbooks.api.intuit.com');
    expect(apiOriginOf(Settings.parse({ clientId: 'AB1', environment: 'sandbox' }))).toBe(
      'https://sandbox-quickbooks.api.intuit.com',
    );
    expect(apiOriginOf(Settings.parse({ clientId: 'AB1', apiOrigin: 'http://127.0.0.1:9/' }))).toBe(
      'http://127.0.0.1:9',
    );
    expect(Settings.safeParse({ clientId: 'AB1', environment: 'staging' }).success).toBe(false);
    expect(Settings.safeParse({ clientId: 'AB1', realm: '1' }).success).toBe(false);
  });
});

describe('how a posting is recognised', () => {
  it('finds its key in a PrivateNote, not a longer key that starts the same, and through "Voided"', () => {
    const note = privateNoteOf('sale:ord_1', 'shopify order #1');
    expect(note).toBe('switchyard sale:ord_1 · shopify order #1');
    expect(namesPosting(note, 'sale:ord_1')).toBe(true);
    expect(namesPosting(note, 'sale:ord')).toBe(false);
    expect(namesPosting(privateNoteOf('sale:ord_10', ''), 'sale:ord_1')).toBe(false);
    expect(namesPosting(`Voided - ${note}`, 'sale:ord_1')).toBe(true);
    expect(namesPosting(undefined, 'sale:ord_1')).toBe(false);
    expect(privateNoteOf('k', 'm'.repeat(5000))).toHaveLength(4000);
  });

  it('keeps document numbers to 21 characters, the end of a longer one', () => {
    expect(docNumberOf('#1001 ')).toBe('#1001');
    expect(docNumberOf('amazon-503-1234567-7654321')).toBe('n-503-1234567-7654321');
    expect(docNumberOf('x'.repeat(40))).toHaveLength(21);
    expect(derivedDocNumber('fee:stripe:txn_1')).toMatch(/^SY-[A-Za-z0-9_-]{18}$/);
    expect(derivedDocNumber('fee:stripe:txn_1')).toBe(derivedDocNumber('fee:stripe:txn_1'));
  });

  it('names a customer as QuickBooks takes it: no colon, tab or line break', () => {
    expect(displayNameOf("O'Brien Hardware: West\n")).toBe("O'Brien Hardware West");
    expect(displayNameOf(' \t ')).toBe('Online customer');
  });
});

describe('amounts', () => {
  it('writes minor units as exact decimals and reads them back', () => {
    expect(toDecimal(3939, 'USD')).toBe(39.39);
    expect(toDecimal(7200, 'JPY')).toBe(7200);
    expect(toDecimal(1234, 'KWD')).toBe(1.234);
    expect(toMinor(362.07000000000005, 'USD')).toBe(36207);
    expect(toMinor(undefined, 'USD')).toBe(0);
    expect(toMinor('12.5', 'USD')).toBe(1250);
  });

  it("spreads a line's amount over its quantity when it is not quantity × unit price", () => {
    expect(unitPriceOf(2598, 2, 1299, 'USD')).toBe(12.99);
    expect(unitPriceOf(2500, 3, 1000, 'GBP')).toBe(8.3333333);
    expect(unitPriceOf(1000, 3, 400, 'USD')).toBe(3.3333333);
    expect(unitPriceOf(-500, 1, 600, 'USD')).toBe(-5);
    expect(unitPriceOf(6000, 2, 3300, 'JPY')).toBe(3000);
  });
});
