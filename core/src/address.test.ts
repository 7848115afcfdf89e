import { describe, expect, it } from 'vitest';
import { addressOf, personName } from './address.ts';
import { Address } from './order.ts';

describe('address helpers', () => {
  it('joins the name parts a vendor sends, leaving out the empty ones', () => {
    expect(personName('Ada', null, 'Lovelace')).toBe('Ada Lovelace');
    expect(personName('', 'Lovelace')).toBe('Lovelace');
    expect(personName(undefined, ' ', null)).toBeUndefined();
  });

  it('builds a canonical address without empty fields, the country upper-cased', () => {
    const address = addressOf({
      name: personName('Ada', 'Lovelace'),
      company: '',
      line1: '1 Main St',
      line2: null,
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'us',
      phone: undefined,
    });
    expect(address).toEqual({
      name: 'Ada Lovelace',
      line1: '1 Main St',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'US',
    });
    expect(Address.parse(address)).toEqual(address);
    expect(addressOf({ name: '', country: null })).toBeUndefined();
  });
});
