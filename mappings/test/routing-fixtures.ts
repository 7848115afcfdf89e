import {
  type RoutingDecision,
  type RoutingInput,
  type RoutingLine,
  RoutingRules,
  routeOrder,
  StockLocation,
  type StockLocationInput,
} from '../src/index.ts';

/** ZIP codes of real places, so distances in the tests mean something. */
export const ZIP = {
  newark: '07102',
  manhattan: '10001',
  philadelphia: '19103',
  chicago: '60601',
  dallas: '75201',
  losAngeles: '90012',
  sanFrancisco: '94103',
  seattle: '98101',
} as const;

export function location(id: string, zip: string, extra: Partial<StockLocationInput> = {}): StockLocation {
  return StockLocation.parse({
    id,
    tenant: 'acme',
    kind: 'warehouse',
    address: { street1: '1 Dock Rd', city: 'Somewhere', zip, country: 'US' },
    ...extra,
  });
}

export const usd = (amount: number) => ({ amount, currency: 'USD' });

/** A stock table: location id → SKU → units. */
export type Stock = Record<string, Record<string, number>>;

export function route(
  order: {
    lines: RoutingLine[];
    locations: StockLocation[];
    stock: Stock;
    to?: string;
    country?: string;
    channel?: string;
  },
  rules: Partial<RoutingInput['rules']> = {},
): RoutingDecision {
  return routeOrder({
    channel: order.channel ?? 'shop',
    destination: { country: order.country ?? 'US', postalCode: order.to ?? ZIP.manhattan },
    lines: order.lines,
    locations: order.locations,
    available: (sku, locationId) => order.stock[locationId]?.[sku] ?? 0,
    rules: RoutingRules.parse(rules),
  });
}

export const line = (lineId: string, sku: string, quantity: number): RoutingLine => ({
  lineId,
  sku,
  quantity,
});

export const reasonsOf = (decision: RoutingDecision, id: string) =>
  decision.candidates.find((c) => c.locationId === id)?.reasons ?? [];

export const verdictOf = (decision: RoutingDecision, id: string) =>
  decision.candidates.find((c) => c.locationId === id)?.verdict;
