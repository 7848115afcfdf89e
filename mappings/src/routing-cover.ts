/**
 * Which locations cover an order, and which units each ships: the arithmetic of routing, with no words.
 * Availability is per SKU and is consumed as lines are allocated, because two lines may share a SKU.
 */

export interface RoutingLine {
  lineId: string;
  sku: string;
  quantity: number;
}

/** What routing needs to know of a location that may take the order. */
export interface Stocked {
  id: string;
  /** Units available to promise, per SKU of the order. */
  stock: ReadonlyMap<string, number>;
}

/** Above this many locations that may ship part of an order, the set is chosen greedily (2^16 subsets at most). */
export const EXACT_SEARCH_LIMIT = 16;

/** Units wanted per SKU. */
export function demandOf(lines: readonly RoutingLine[]): Map<string, number> {
  const demand = new Map<string, number>();
  for (const line of lines) demand.set(line.sku, (demand.get(line.sku) ?? 0) + line.quantity);
  return demand;
}

/** Whether the locations together have every unit of the demand. */
export function covers(members: readonly Stocked[], demand: ReadonlyMap<string, number>): boolean {
  for (const [sku, wanted] of demand) {
    let held = 0;
    for (const m of members) held += m.stock.get(sku) ?? 0;
    if (held < wanted) return false;
  }
  return true;
}

/** Units of the order a location could supply (its stock capped by what the order wants, per SKU). */
export function unitsHeld(location: Stocked, demand: ReadonlyMap<string, number>): number {
  let units = 0;
  for (const [sku, wanted] of demand) units += Math.min(wanted, location.stock.get(sku) ?? 0);
  return units;
}

/** How many lines a location has in full, taking them in order and consuming its stock as it goes. */
export function linesHeld(location: Stocked, lines: readonly RoutingLine[]): number {
  const left = new Map(location.stock);
  let held = 0;
  for (const line of lines) {
    const have = left.get(line.sku) ?? 0;
    if (have < line.quantity) continue;
    left.set(line.sku, have - line.quantity);
    held++;
  }
  return held;
}

/**
 * Splits the lines into what the locations together can ship and what they lack, taking lines in order (the
 * first of two lines sharing a short SKU is served first).
 */
export function shortfall(
  lines: readonly RoutingLine[],
  pool: readonly Stocked[],
): { shippable: RoutingLine[]; short: RoutingLine[] } {
  const total = new Map<string, number>();
  for (const m of pool) for (const [sku, n] of m.stock) total.set(sku, (total.get(sku) ?? 0) + n);
  const shippable: RoutingLine[] = [];
  const short: RoutingLine[] = [];
  for (const line of lines) {
    const take = Math.min(line.quantity, total.get(line.sku) ?? 0);
    total.set(line.sku, (total.get(line.sku) ?? 0) - take);
    if (take > 0) shippable.push({ ...line, quantity: take });
    if (take < line.quantity) short.push({ ...line, quantity: line.quantity - take });
  }
  return { shippable, short };
}

export interface Cover<T extends Stocked> {
  /** The chosen set, best first by `rank`. */
  members: T[];
  /** Every other set of the same size that also covers, best first (empty after a greedy choice). */
  alternatives: T[][];
  greedy: boolean;
}

/**
 * The smallest set of locations that covers the demand, the best of equal sets by `better` (a comparator of
 * sets, negative when the first is better). Exact over every subset up to EXACT_SEARCH_LIMIT locations,
 * greedy above it. `pool` must be sorted best first; undefined when even the whole pool does not cover.
 */
export function fewestCover<T extends Stocked>(
  pool: readonly T[],
  demand: ReadonlyMap<string, number>,
  better: (a: readonly T[], b: readonly T[]) => number,
): Cover<T> | undefined {
  if (!covers(pool, demand)) return undefined;
  if (pool.length > EXACT_SEARCH_LIMIT)
    return { members: greedyCover(pool, demand), alternatives: [], greedy: true };
  for (let size = 1; size <= pool.length; size++) {
    const found: T[][] = [];
    for (const picked of combinations(pool.length, size)) {
      const members = picked.map((i) => pool[i]!);
      if (covers(members, demand)) found.push(members);
    }
    if (found.length) {
      const [members, ...alternatives] = found.sort(better);
      return { members: members!, alternatives, greedy: false };
    }
  }
  return undefined;
}

/** Index sets of the given size, in lexicographic order. */
function* combinations(n: number, size: number): Generator<number[]> {
  const picked = Array.from({ length: size }, (_, i) => i);
  while (true) {
    yield [...picked];
    let i = size - 1;
    while (i >= 0 && picked[i] === n - size + i) i--;
    if (i < 0) return;
    picked[i]!++;
    for (let j = i + 1; j < size; j++) picked[j] = picked[j - 1]! + 1;
  }
}

/** Repeatedly the location that supplies the most of what is still wanted (the better-ranked on a tie). */
function greedyCover<T extends Stocked>(pool: readonly T[], demand: ReadonlyMap<string, number>): T[] {
  const wanted = new Map(demand);
  const members: T[] = [];
  let rest = [...pool];
  while ([...wanted.values()].some((n) => n > 0)) {
    const best = rest.reduce((a, b) => (unitsHeld(b, wanted) > unitsHeld(a, wanted) ? b : a));
    members.push(best);
    rest = rest.filter((m) => m !== best);
    for (const [sku, n] of wanted) wanted.set(sku, Math.max(0, n - (best.stock.get(sku) ?? 0)));
  }
  return members.sort((a, b) => pool.indexOf(a) - pool.indexOf(b));
}

/**
 * The lines each member ships. Largest lines first, each to the best-ranked member that has all of it; a
 * line is split across members only when none of them has it all. Members left with nothing are dropped.
 * Lines keep the order's order within a shipment.
 */
export function allocate<T extends Stocked>(
  lines: readonly RoutingLine[],
  members: readonly T[],
): { member: T; lines: RoutingLine[] }[] {
  const left = members.map((m) => new Map(m.stock));
  const shipped = members.map(() => new Map<number, number>());
  const take = (at: number, index: number, sku: string, n: number) => {
    left[at]!.set(sku, (left[at]!.get(sku) ?? 0) - n);
    shipped[at]!.set(index, (shipped[at]!.get(index) ?? 0) + n);
  };
  const order = lines.map((_, i) => i).sort((a, b) => lines[b]!.quantity - lines[a]!.quantity || a - b);
  for (const index of order) {
    const { sku, quantity } = lines[index]!;
    const whole = left.findIndex((stock) => (stock.get(sku) ?? 0) >= quantity);
    if (whole >= 0) {
      take(whole, index, sku, quantity);
      continue;
    }
    let wanted = quantity;
    for (let at = 0; at < members.length && wanted > 0; at++) {
      const n = Math.min(wanted, left[at]!.get(sku) ?? 0);
      if (n > 0) take(at, index, sku, n);
      wanted -= n;
    }
  }
  return members
    .map((member, at) => ({
      member,
      lines: [...shipped[at]!]
        .sort(([a], [b]) => a - b)
        .map(([index, quantity]) => ({ ...lines[index]!, quantity })),
    }))
    .filter((s) => s.lines.length > 0);
}
