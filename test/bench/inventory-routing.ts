import {
  type RoutingDecision,
  type RoutingLine,
  RoutingRules,
  routeOrder,
  StockLocation,
  type StockLocationInput,
} from '@switchyard/mappings';

/**
 * The inventory benchmark's merchant (issue 13, "Speed"): ten stock locations of one tenant, a catalogue whose
 * stock is spread over them as a real one is (deep in the warehouses, thin in the stores, so most multi-line
 * orders split), orders of 1, 5 and 20 lines, and routing decisions per second of the real router
 * (mappings/src/routing.ts), which is pure: no database, one core.
 */

export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
export const ms = (v: number) => Number(v.toFixed(3));
export const ratio = (a: number, b: number) => (b ? Number((a / b).toFixed(4)) : null);

/** A small seeded generator (mulberry32): the same catalogue, stock and orders on every run. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const usd = (amount: number) => ({ amount, currency: 'USD' });
const at = (street1: string, city: string, state: string, zip: string, country = 'US') => ({
  street1,
  city,
  state,
  zip,
  country,
});

/**
 * Three warehouses, two 3PLs, four stores that ship only whole orders, and a dropship partner that serves
 * another channel (so it is assessed and rejected on every order): every kind of candidate the router weighs.
 */
// biome-ignore format: a table reads best in rows
const LOCATION_INPUTS: StockLocationInput[] = [
  { id: 'east-wh', tenant: 'acme', kind: 'warehouse', address: at('1 Port St', 'Newark', 'NJ', '07102'), countries: ['US'], priority: 10, costPerShipment: usd(450) },
  { id: 'west-wh', tenant: 'acme', kind: 'warehouse', address: at('2 Desert Way', 'Reno', 'NV', '89502'), countries: ['US'], priority: 10, costPerShipment: usd(450) },
  { id: 'central-wh', tenant: 'acme', kind: 'warehouse', address: at('3 Rail Ave', 'Columbus', 'OH', '43215'), countries: ['US'], priority: 8, costPerShipment: usd(480) },
  { id: 'south-3pl', tenant: 'acme', kind: '3pl', address: at('4 Freight Rd', 'Dallas', 'TX', '75201'), countries: ['US'], priority: 5, costPerShipment: usd(650) },
  { id: 'mid-3pl', tenant: 'acme', kind: '3pl', address: at('5 River Dr', 'Kansas City', 'MO', '64105'), countries: ['US', 'CA'], priority: 5, costPerShipment: usd(650) },
  { id: 'store-nyc', tenant: 'acme', kind: 'store', address: at('6 Broadway', 'New York', 'NY', '10001'), countries: ['US'], priority: 2, costPerShipment: usd(900), partial: false },
  { id: 'store-sf', tenant: 'acme', kind: 'store', address: at('7 Market St', 'San Francisco', 'CA', '94107'), countries: ['US'], priority: 2, costPerShipment: usd(900), partial: false },
  { id: 'store-chi', tenant: 'acme', kind: 'store', address: at('8 State St', 'Chicago', 'IL', '60601'), countries: ['US'], priority: 2, costPerShipment: usd(900), partial: false },
  { id: 'store-mia', tenant: 'acme', kind: 'store', address: at('9 Ocean Dr', 'Miami', 'FL', '33131'), countries: ['US'], priority: 2, costPerShipment: usd(900), partial: false },
  { id: 'dropship-la', tenant: 'acme', kind: 'dropship', address: at('10 Alameda St', 'Los Angeles', 'CA', '90021'), channels: ['wholesale'], priority: 0, costPerShipment: usd(300) },
];
export const LOCATIONS: StockLocation[] = LOCATION_INPUTS.map((l) => StockLocation.parse(l));
export const LOCATION_IDS = LOCATIONS.map((l) => l.id);
/** The channel's rules: ship what exists now, backorder the rest (the policy that routes the most). */
export const RULES = RoutingRules.parse({ backorder: 'ship-available' });
export const CHANNEL = 'shop';

/** How likely a SKU is stocked at a kind of location, and how deep. */
const DEPTH: Record<StockLocation['kind'], { p: number; min: number; max: number }> = {
  warehouse: { p: 0.6, min: 5, max: 80 },
  '3pl': { p: 0.4, min: 5, max: 60 },
  store: { p: 0.25, min: 1, max: 6 },
  dropship: { p: 0.5, min: 50, max: 200 },
};

/** Where a SKU is stocked and how many units, per location (absent: none). */
export function spreadStock(skus: number, seed = 13): Map<string, number> {
  const random = seeded(seed);
  const stock = new Map<string, number>();
  for (let k = 0; k < skus; k++) {
    for (const location of LOCATIONS) {
      const depth = DEPTH[location.kind];
      if (random() < depth.p) {
        const units = depth.min + Math.floor(random() * (depth.max - depth.min + 1));
        stock.set(levelKey(skuOf(k), location.id), units);
      }
    }
  }
  return stock;
}
export const skuOf = (k: number) => `CAT-${String(k).padStart(5, '0')}`;
export const levelKey = (sku: string, locationId: string) => `${sku}\u0000${locationId}`;

// Destinations over the US ZIP regions, and one order in twenty to Canada (only mid-3pl ships there).
const ZIPS = [
  '10001',
  '02108',
  '19103',
  '30301',
  '33131',
  '60601',
  '75201',
  '80202',
  '85001',
  '94107',
  '98101',
];
export function destinationOf(random: () => number): { country: string; postalCode: string } {
  if (random() < 0.05) return { country: 'CA', postalCode: 'M5V 2T6' };
  return { country: 'US', postalCode: ZIPS[Math.floor(random() * ZIPS.length)]! };
}

export interface BenchOrder {
  destination: { country: string; postalCode: string };
  lines: RoutingLine[];
}

/** Orders of `size` lines over the catalogue, popular SKUs more often, 1-3 units a line (mostly 1). */
export function ordersOf(size: number, count: number, skus: number, seed: number): BenchOrder[] {
  const random = seeded(seed);
  return Array.from({ length: count }, () => ({
    destination: destinationOf(random),
    lines: Array.from({ length: size }, (_, i) => ({
      lineId: String(i + 1),
      sku: skuOf(Math.floor(random() ** 2 * skus)),
      quantity: 1 + Math.floor(random() ** 3 * 3),
    })),
  }));
}

/** The real router on the given figures, as the workflow's route-order step calls it. */
export function route(
  order: BenchOrder,
  available: (sku: string, locationId: string) => number,
): RoutingDecision {
  return routeOrder({
    channel: CHANNEL,
    destination: order.destination,
    lines: order.lines,
    locations: LOCATIONS,
    available,
    rules: RULES,
  });
}

/** Runs `call` over `orders` round and round for `seconds`, timing each call: decisions/s and latency. */
function loop(orders: readonly BenchOrder[], seconds: number, call: (order: BenchOrder) => unknown) {
  const times: number[] = [];
  const began = performance.now();
  const until = began + seconds * 1000;
  let sink = 0;
  for (let i = 0; ; i++) {
    const t = performance.now();
    if (t >= until) break;
    if (call(orders[i % orders.length]!)) sink++;
    times.push(performance.now() - t);
  }
  const elapsed = (performance.now() - began) / 1000;
  times.sort((a, b) => a - b);
  return { perSecond: Math.round(times.length / elapsed), times, sink };
}

/**
 * Routing decisions per second for orders of 1, 5 and 20 lines over the ten locations, the figures read from a
 * Map as allocateStock hands them over. Baselines in the same run, on the same orders and figures: a
 * single-location lookup (does the first warehouse hold every line?) and a first-fit router (the first of the
 * ten locations that holds every line, in list order), both without ranking, splitting or explaining.
 */
export function routingBench(options: { seconds: number; skus?: number; orders?: number }) {
  const skus = options.skus ?? 5_000;
  const stock = spreadStock(skus);
  const available = (sku: string, locationId: string) => stock.get(levelKey(sku, locationId)) ?? 0;
  const holdsAll = (order: BenchOrder, locationId: string) => {
    for (const line of order.lines) if (available(line.sku, locationId) < line.quantity) return false;
    return true;
  };
  const bySize: Record<string, unknown> = {};
  for (const size of [1, 5, 20]) {
    const orders = ordersOf(size, options.orders ?? 2_000, skus, 100 + size);
    // Untimed pass: what the orders come to (and the JIT warmed on them).
    const outcomes: Record<string, number> = {};
    let shipments = 0;
    for (const order of orders) {
      const decision = route(order, available);
      outcomes[decision.outcome] = (outcomes[decision.outcome] ?? 0) + 1;
      shipments += decision.shipments.length;
    }
    for (const order of orders) holdsAll(order, LOCATION_IDS[0]!);
    const routed = loop(orders, options.seconds, (order) => route(order, available).shipments.length);
    const single = loop(orders, options.seconds / 4, (order) => holdsAll(order, LOCATION_IDS[0]!));
    const firstFit = loop(orders, options.seconds / 4, (order) =>
      LOCATION_IDS.find((id) => holdsAll(order, id)),
    );
    bySize[`lines${size}`] = {
      decisionsPerSecond: routed.perSecond,
      decisionUs: {
        p50: ms(percentile(routed.times, 50) * 1000),
        p99: ms(percentile(routed.times, 99) * 1000),
      },
      outcomes,
      shipmentsPerOrder: Number((shipments / orders.length).toFixed(2)),
      singleLocationLookupPerSecond: single.perSecond,
      ratioToSingleLocationLookup: ratio(routed.perSecond, single.perSecond),
      firstFitPerSecond: firstFit.perSecond,
      ratioToFirstFit: ratio(routed.perSecond, firstFit.perSecond),
    };
  }
  return {
    locations: LOCATIONS.length,
    skus,
    stockedLevels: stock.size,
    backorderPolicy: RULES.backorder,
    secondsPerSize: options.seconds,
    ...bySize,
  };
}
