import { describe, expect, it } from 'vitest';
import { RoutingRules, StockLocation, shipFromAddress } from '../src/index.ts';

const address = { street1: '1 Dock Rd', city: 'Newark', state: 'NJ', zip: '07102', country: 'US' };

describe('StockLocation', () => {
  it('fills the defaults: priority 0, may ship part of an order', () => {
    const location = StockLocation.parse({ id: 'east-wh', tenant: 'acme', kind: 'warehouse', address });
    expect(location).toMatchObject({ priority: 0, partial: true });
    expect(location.costPerShipment).toBeUndefined();
    expect(shipFromAddress(location)).toEqual(address);
  });

  it('refuses what a merchant most often gets wrong, saying what to write', () => {
    const base = { id: 'east-wh', tenant: 'acme', kind: 'warehouse', address };
    const issue = (input: unknown) => StockLocation.safeParse(input).error?.issues[0];
    expect(issue({ ...base, id: 'East WH' })?.message).toMatch(/lower-case letters/);
    expect(issue({ ...base, kind: 'depot' })?.path).toEqual(['kind']);
    expect(issue({ ...base, address: { ...address, country: 'usa' } })?.message).toMatch(/alpha-2/);
    expect(issue({ ...base, address: { ...address, postalCode: '07102' } })?.path).toEqual(['address']);
    expect(issue({ ...base, countries: ['us'] })?.path).toEqual(['countries', 0]);
    expect(issue({ ...base, priority: 1.5 })?.path).toEqual(['priority']);
    expect(issue({ ...base, costPerShipment: { amount: 2.5, currency: 'USD' } })?.path).toEqual([
      'costPerShipment',
      'amount',
    ]);
    expect(issue({ ...base, costPerShipment: { amount: 250, currency: 'XYZ' } })?.path).toEqual([
      'costPerShipment',
      'currency',
    ]);
  });
});

describe('RoutingRules', () => {
  it('is strict and defaults to holding short orders', () => {
    expect(RoutingRules.parse({})).toEqual({ backorder: 'hold' });
    expect(RoutingRules.safeParse({ backorder: 'wait' }).success).toBe(false);
    expect(RoutingRules.safeParse({ locations: [] }).success).toBe(false);
    expect(RoutingRules.safeParse({ locatoins: ['east-wh'] }).success).toBe(false);
  });
});
