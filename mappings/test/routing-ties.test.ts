import { describe, expect, it } from 'vitest';
import { EXACT_SEARCH_LIMIT } from '../src/index.ts';
import { line, location, reasonsOf, route, type Stock, usd, ZIP } from './routing-fixtures.ts';

const lines = [line('1', 'A', 1), line('2', 'B', 1)];
const both = { A: 1, B: 1 };

describe('routeOrder: ties between locations with everything', () => {
  it('takes the lower cost per shipment first, even when farther', () => {
    const decision = route({
      lines,
      locations: [
        location('east', ZIP.newark, { costPerShipment: usd(800) }),
        location('west', ZIP.seattle, { costPerShipment: usd(300) }),
      ],
      stock: { east: both, west: both },
    });
    expect(decision.shipments.map((s) => s.locationId)).toEqual(['west']);
    expect(decision.summary).toBe(
      'One shipment from west: it has both lines and costs 5.00 USD less per shipment than east',
    );
    expect(reasonsOf(decision, 'east')).toEqual([
      'has both lines too, but costs 5.00 USD more per shipment than west',
    ]);
    expect(reasonsOf(decision, 'west')).toContain(
      'chosen over the other location with the whole order: it costs 5.00 USD less per shipment than east',
    );
  });

  it('formats costs with the currency exponent', () => {
    const decision = route({
      lines,
      locations: [
        location('tokyo-a', ZIP.newark, { costPerShipment: { amount: 1200, currency: 'JPY' } }),
        location('tokyo-b', ZIP.newark, { costPerShipment: { amount: 700, currency: 'JPY' } }),
      ],
      stock: { 'tokyo-a': both, 'tokyo-b': both },
    });
    expect(reasonsOf(decision, 'tokyo-a')).toEqual([
      'has both lines too, but costs 500 JPY more per shipment than tokyo-b',
    ]);
  });

  it('then the higher priority', () => {
    const decision = route({
      lines,
      locations: [
        location('east', ZIP.newark, { priority: 1 }),
        location('west', ZIP.seattle, { priority: 2 }),
      ],
      stock: { east: both, west: both },
    });
    expect(decision.shipments.map((s) => s.locationId)).toEqual(['west']);
    expect(reasonsOf(decision, 'east')).toEqual([
      "has both lines too, but has priority 1, lower than west's 2",
    ]);
  });

  it('then the nearer, unknown coordinates last, then the id', () => {
    const decision = route({
      lines,
      locations: [
        location('west', ZIP.seattle),
        location('b-east', ZIP.newark),
        location('a-east', ZIP.newark),
        location('nowhere', '12345', { address: { street1: '1 Rd', city: 'X', zip: '1', country: 'XK' } }),
      ],
      stock: { west: both, 'b-east': both, 'a-east': both, nowhere: both },
    });
    expect(decision.candidates.map((c) => c.locationId)).toEqual(['a-east', 'b-east', 'west', 'nowhere']);
    expect(reasonsOf(decision, 'b-east')).toEqual([
      'has both lines too, but ties with a-east on cost, priority and distance; a-east comes first by id',
    ]);
    const km = (id: string) => decision.candidates.find((c) => c.locationId === id)?.distanceKm;
    expect(km('a-east')).toBe(69); // New Jersey's figure against Manhattan's: approximate, as the table says
    expect(km('west')).toBeGreaterThan(3800);
    const farther = (km('west')! - km('a-east')!).toLocaleString('en-US');
    expect(reasonsOf(decision, 'west')).toEqual([
      `has both lines too, but ${farther} km farther than a-east`,
    ]);
    expect(reasonsOf(decision, 'nowhere')).toEqual([
      'has both lines too, but its distance is unknown (no coordinates for its address), a-east is 69 km away',
    ]);
    expect(decision.candidates.find((c) => c.locationId === 'nowhere')).not.toHaveProperty('distanceKm');
  });

  it('skips the cost comparison, and says so, when locations state costs in several currencies', () => {
    const decision = route({
      lines,
      locations: [
        location('east', ZIP.newark, { costPerShipment: { amount: 9000, currency: 'EUR' } }),
        location('west', ZIP.seattle, { costPerShipment: usd(100) }),
      ],
      stock: { east: both, west: both },
    });
    expect(decision.shipments.map((s) => s.locationId)).toEqual(['east']);
    expect(reasonsOf(decision, 'east')).toContain(
      'costs per shipment not compared: the locations state them in EUR and USD',
    );
  });

  it("uses the merchant's distance table for the destination and the locations", () => {
    const locations = [location('east', ZIP.newark), location('west', ZIP.seattle)];
    const stock = { east: both, west: both };
    expect(route({ lines, locations, stock }).shipments[0]?.locationId).toBe('east');
    const moved = route({ lines, locations, stock }, { distances: { 'US:100': [47.6, -122.3] } });
    expect(moved.shipments[0]?.locationId).toBe('west');
  });
});

describe('routeOrder: ties between sets of locations', () => {
  it('takes the cheaper of two equally small sets and tells the loser why', () => {
    const decision = route({
      lines,
      locations: [
        location('east', ZIP.newark, { costPerShipment: usd(500) }),
        location('west', ZIP.seattle, { costPerShipment: usd(100) }),
        location('mid', ZIP.chicago),
      ],
      stock: { east: { A: 1 }, west: { A: 1 }, mid: { B: 1 } },
    });
    expect(decision.shipments.map((s) => s.locationId)).toEqual(['mid', 'west']);
    expect(reasonsOf(decision, 'mid')).toContain(
      'this set (mid + west) costs 4.00 USD less in shipments than mid + east',
    );
    expect(reasonsOf(decision, 'east')).toEqual([
      'has 1 of 2 lines (1 of 2 units)',
      'could ship in 2 shipments with mid too, but that set costs 4.00 USD more in shipments than mid + west',
    ]);
  });

  it(`chooses greedily above ${EXACT_SEARCH_LIMIT} locations that could ship part, and says so`, () => {
    const skus = Array.from({ length: 18 }, (_, i) => `S${String(i).padStart(2, '0')}`);
    const stock: Stock = { big: Object.fromEntries(skus.slice(0, 10).map((s) => [s, 1])) };
    for (const sku of skus) stock[`one-${sku.toLowerCase()}`] = { [sku]: 1 };
    const locations = Object.keys(stock).map((id) => location(id, ZIP.chicago));
    const decision = route({ lines: skus.map((s, i) => line(String(i), s, 1)), locations, stock });
    expect(decision.outcome).toBe('split');
    expect(decision.shipments).toHaveLength(9);
    expect(decision.shipments.map((s) => s.locationId)).toContain('big');
    expect(decision.summary).toMatch(
      /^Split into 9 shipments: .* \(set chosen greedily among many locations\)$/,
    );
    expect(reasonsOf(decision, 'big')).toContain(
      `set chosen greedily: more than ${EXACT_SEARCH_LIMIT} locations could ship part of the order, so fewer shipments may be possible`,
    );
  });
});
