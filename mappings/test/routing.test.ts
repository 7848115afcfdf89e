import { describe, expect, it } from 'vitest';
import { RoutingRules } from '../src/index.ts';
import { line, location, reasonsOf, route, verdictOf, ZIP } from './routing-fixtures.ts';

describe('routeOrder: candidates', () => {
  it('keeps only locations allowed for the channel and the country, each rejection with its reason', () => {
    const decision = route(
      {
        lines: [line('1', 'MUG', 1)],
        locations: [
          location('amazon-only', ZIP.newark, { channels: ['amazon'] }),
          location('canada', ZIP.newark, { countries: ['CA'] }),
          location('not-listed', ZIP.newark),
          location('paused', ZIP.newark, { channels: [] }),
          location('east', ZIP.philadelphia, { channels: ['shop', 'woo'], countries: ['US', 'CA'] }),
        ],
        stock: { 'amazon-only': { MUG: 5 }, canada: { MUG: 5 }, 'not-listed': { MUG: 5 }, east: { MUG: 5 } },
      },
      { locations: ['amazon-only', 'canada', 'paused', 'east'] },
    );
    expect(decision.outcome).toBe('single');
    expect(decision.shipments).toEqual([{ locationId: 'east', lines: [line('1', 'MUG', 1)] }]);
    expect(decision.candidates.map((c) => [c.locationId, c.verdict])).toEqual([
      ['east', 'chosen'],
      ['amazon-only', 'rejected'],
      ['canada', 'rejected'],
      ['not-listed', 'rejected'],
      ['paused', 'rejected'],
    ]);
    expect(reasonsOf(decision, 'amazon-only')).toEqual(['ships only for amazon, not for shop']);
    expect(reasonsOf(decision, 'canada')).toEqual(['does not ship to US (ships to CA)']);
    expect(reasonsOf(decision, 'not-listed')).toEqual([
      "not among the locations shop's routing rules allow (amazon-only, canada, paused and east)",
    ]);
    expect(reasonsOf(decision, 'paused')).toEqual(['ships for no channel (its channels list is empty)']);
    expect(decision.candidates.find((c) => c.locationId === 'canada')).toMatchObject({ has: 1 });
  });

  it('is unroutable when no location may ship the order, and holds every line', () => {
    const lines = [line('1', 'MUG', 2), line('2', 'CUP', 1)];
    const decision = route({
      lines,
      locations: [location('eu', ZIP.newark, { countries: ['DE', 'FR'] })],
      stock: { eu: { MUG: 9, CUP: 9 } },
    });
    expect(decision).toMatchObject({
      outcome: 'unroutable',
      shipments: [],
      backordered: lines,
      cancelled: [],
    });
    expect(decision.summary).toBe(
      "Not routed: none of the one location may ship shop's orders to US; each location says why",
    );
    expect(route({ lines, locations: [], stock: {} }).summary).toBe(
      'Not routed: the tenant has no stock locations; add them to the config',
    );
  });
});

describe('routeOrder: one location, else the fewest shipments', () => {
  it('prefers one location with everything over nearer ones that have parts', () => {
    const decision = route({
      lines: [line('1', 'A', 1), line('2', 'B', 1)],
      locations: [
        location('newark', ZIP.newark),
        location('philly', ZIP.philadelphia),
        location('seattle', ZIP.seattle),
      ],
      stock: { newark: { A: 1 }, philly: { B: 1 }, seattle: { A: 1, B: 1 } },
    });
    expect(decision.outcome).toBe('single');
    expect(decision.shipments.map((s) => s.locationId)).toEqual(['seattle']);
    expect(decision.summary).toBe('One shipment from seattle: it has both lines');
    expect(reasonsOf(decision, 'seattle')).toEqual(['has both lines', 'ships A ×1 and B ×1']);
    expect(reasonsOf(decision, 'newark')).toEqual([
      'has 1 of 2 lines (1 of 2 units)',
      'not needed: seattle has the whole order',
    ]);
  });

  it('splits into the fewest shipments, best-ranked location first', () => {
    const decision = route({
      lines: [line('1', 'A', 1), line('2', 'B', 1), line('3', 'C', 1)],
      locations: [
        location('newark', ZIP.newark),
        location('philly', ZIP.philadelphia),
        location('chicago', ZIP.chicago),
        location('dallas', ZIP.dallas),
      ],
      stock: { newark: { A: 1 }, philly: { B: 1 }, chicago: { C: 1 }, dallas: { A: 1, B: 1 } },
    });
    expect(decision.outcome).toBe('split');
    expect(decision.shipments).toEqual([
      { locationId: 'chicago', lines: [line('3', 'C', 1)] },
      { locationId: 'dallas', lines: [line('1', 'A', 1), line('2', 'B', 1)] },
    ]);
    expect(decision.summary).toBe(
      'Split into 2 shipments: no single location has all 3 lines; chicago ships C ×1, dallas ships A ×1 and B ×1',
    );
    expect(verdictOf(decision, 'newark')).toBe('passed-over');
    expect(reasonsOf(decision, 'newark')).toEqual([
      'has 1 of 3 lines (1 of 3 units)',
      'not needed: chicago and dallas ship the order in 2 shipments',
    ]);
  });

  it('consumes stock across lines that share a SKU', () => {
    const lines = [line('1', 'A', 2), line('2', 'A', 3)];
    const locations = [location('east', ZIP.newark), location('west', ZIP.seattle)];
    const whole = route({ lines, locations, stock: { east: { A: 4 }, west: { A: 5 } } });
    expect(whole.shipments).toEqual([{ locationId: 'west', lines }]);
    expect(reasonsOf(whole, 'east')[0]).toBe('has 1 of 2 lines (4 of 5 units)');

    const split = route({ lines, locations, stock: { east: { A: 3 }, west: { A: 3 } } });
    expect(split.outcome).toBe('split');
    expect(split.shipments).toEqual([
      { locationId: 'east', lines: [line('2', 'A', 3)] },
      { locationId: 'west', lines: [line('1', 'A', 2)] },
    ]);
  });

  it('splits one line across two locations only when neither has it all', () => {
    const locations = [location('east', ZIP.newark), location('west', ZIP.seattle)];
    const split = route({ lines: [line('1', 'A', 5)], locations, stock: { east: { A: 3 }, west: { A: 3 } } });
    expect(split.shipments).toEqual([
      { locationId: 'east', lines: [line('1', 'A', 3)] },
      { locationId: 'west', lines: [line('1', 'A', 2)] },
    ]);
    expect(split.summary).toBe(
      'Split into 2 shipments: no single location has the whole order; east ships A ×3, west ships A ×2',
    );

    const whole = route({
      lines: [line('1', 'A', 2), line('2', 'B', 2)],
      locations,
      stock: { east: { A: 2, B: 1 }, west: { B: 2 } },
    });
    expect(whole.shipments).toEqual([
      { locationId: 'east', lines: [line('1', 'A', 2)] },
      { locationId: 'west', lines: [line('2', 'B', 2)] },
    ]);
  });

  it('uses a partial: false location only for the whole order', () => {
    const lines = [line('1', 'A', 1), line('2', 'B', 1)];
    const store = location('store', ZIP.manhattan, { kind: 'store', partial: false, priority: 10 });
    const locations = [store, location('east', ZIP.newark), location('west', ZIP.seattle)];

    const whole = route({ lines, locations, stock: { store: { A: 1, B: 1 }, east: { A: 1, B: 1 } } });
    expect(whole.shipments.map((s) => s.locationId)).toEqual(['store']);

    const part = route({ lines, locations, stock: { store: { A: 1 }, east: { B: 1 }, west: { A: 1 } } });
    expect(part.outcome).toBe('split');
    expect(part.shipments.map((s) => s.locationId)).toEqual(['east', 'west']);
    expect(reasonsOf(part, 'store')).toEqual([
      'has 1 of 2 lines (1 of 2 units)',
      'ships only whole orders (partial: false)',
    ]);
  });
});

describe('routeOrder: backorders', () => {
  const lines = [line('1', 'A', 2), line('2', 'B', 3)];
  const locations = [location('east', ZIP.newark), location('west', ZIP.seattle)];
  const stock = { east: { A: 2, B: 1 }, west: { B: 1 } };
  const shipments = [
    { locationId: 'east', lines: [line('1', 'A', 2), line('2', 'B', 1)] },
    { locationId: 'west', lines: [line('2', 'B', 1)] },
  ];

  it('hold: ships nothing, the whole order waits, and the summary names what is short', () => {
    const decision = route({ lines, locations, stock }, { backorder: 'hold' });
    expect(decision).toMatchObject({ outcome: 'backordered', shipments: [], cancelled: [] });
    expect(decision.backordered).toEqual(lines);
    expect(decision.summary).toBe(
      'Held for stock: the allowed locations together lack B ×1; nothing ships until it arrives (backorder policy: hold)',
    );
    expect(decision.candidates.every((c) => c.verdict === 'passed-over')).toBe(true);
    expect(reasonsOf(decision, 'east')).toContain('nothing ships while the order is held for stock');
  });

  it('hold is the default policy', () => {
    expect(RoutingRules.parse({}).backorder).toBe('hold');
    expect(route({ lines, locations, stock }).outcome).toBe('backordered');
  });

  it('ship-available: ships what exists in the fewest shipments and backorders the rest', () => {
    const decision = route({ lines, locations, stock }, { backorder: 'ship-available' });
    expect(decision).toMatchObject({ outcome: 'partial', shipments, cancelled: [] });
    expect(decision.backordered).toEqual([line('2', 'B', 1)]);
    expect(decision.summary).toBe(
      'Partly shipped: east ships A ×2 and B ×1, west ships B ×1; B ×1 backordered until stock arrives',
    );
  });

  it('cancel-line: ships what exists and cancels the rest', () => {
    const decision = route({ lines, locations, stock }, { backorder: 'cancel-line' });
    expect(decision).toMatchObject({ outcome: 'lines-cancelled', shipments, backordered: [] });
    expect(decision.cancelled).toEqual([line('2', 'B', 1)]);
    expect(decision.summary).toBe(
      'Cancelled B ×1 for lack of stock; east ships A ×2 and B ×1, west ships B ×1',
    );
  });

  it('with nothing in stock anywhere: backordered, or every line cancelled', () => {
    const empty = { east: {}, west: {} };
    const waiting = route({ lines, locations, stock: empty }, { backorder: 'ship-available' });
    expect(waiting).toMatchObject({ outcome: 'backordered', shipments: [], backordered: lines });
    expect(waiting.summary).toBe(
      'Backordered: no allowed location has any of A ×2 and B ×3; nothing ships yet',
    );
    const cancelled = route({ lines, locations, stock: empty }, { backorder: 'cancel-line' });
    expect(cancelled).toMatchObject({ outcome: 'lines-cancelled', shipments: [], cancelled: lines });
  });
});

describe('routeOrder: determinism', () => {
  it('gives the same decision for the same input, whatever the order of the locations', () => {
    const lines = [line('1', 'A', 3), line('2', 'B', 1), line('3', 'A', 1)];
    const locations = [
      location('b-east', ZIP.newark),
      location('a-east', ZIP.newark),
      location('west', ZIP.seattle, { priority: 1 }),
      location('south', ZIP.dallas),
    ];
    const stock = { 'b-east': { A: 2, B: 1 }, 'a-east': { A: 2 }, west: { A: 1, B: 1 }, south: { A: 4 } };
    const first = route({ lines, locations, stock });
    expect(route({ lines, locations, stock })).toEqual(first);
    expect(route({ lines, locations: [...locations].reverse(), stock })).toEqual(first);
    expect(first.shipments.map((s) => s.locationId)).toEqual(['west', 'south']);
  });

  it('ignores lines with nothing to ship and floors odd availability figures', () => {
    const decision = route({
      lines: [line('1', 'A', 0), line('2', 'B', 2)],
      locations: [location('east', ZIP.newark), location('west', ZIP.seattle)],
      stock: { east: { B: 1.9 }, west: { B: -3 } },
    });
    expect(decision).toMatchObject({ outcome: 'backordered', backordered: [line('2', 'B', 2)] });
    expect(decision.summary).toMatch(/lack B ×1;/);
  });

  it('accounts for every unit: shipments, backordered and cancelled together are the order', () => {
    const lines = [line('1', 'A', 3), line('2', 'B', 2), line('3', 'A', 2), line('4', 'C', 1)];
    const locations = [
      location('east', ZIP.newark),
      location('west', ZIP.seattle),
      location('south', ZIP.dallas),
    ];
    const stock = { east: { A: 2, B: 1 }, west: { A: 1, C: 1 }, south: { B: 2, A: 1 } };
    const units = (ls: { sku: string; quantity: number }[]) => {
      const n: Record<string, number> = {};
      for (const l of ls) n[l.sku] = (n[l.sku] ?? 0) + l.quantity;
      return n;
    };
    for (const backorder of ['hold', 'ship-available', 'cancel-line'] as const) {
      const d = route({ lines, locations, stock }, { backorder });
      const all = [...d.shipments.flatMap((s) => s.lines), ...d.backordered, ...d.cancelled];
      expect(units(all), backorder).toEqual(units(lines));
    }
  });
});
