/** The number at the end of a gid, or the id itself when it is a number already. */
const number = (id: string) => id.split('/').pop()!;

/** One inventorySetQuantities quantity as the hub sends it. */
export interface FakeStockQuantity {
  inventoryItemId: string;
  locationId: string;
  quantity: number;
  changeFromQuantity?: number | null;
}

/** A product variant of the fake shop: its SKU and its inventory item (gids, as Shopify serves them). */
export interface FakeVariant {
  id: string;
  sku: string;
  inventoryItemId: string;
}

/**
 * The shop's stock: variants with SKUs, and `available` per (inventory item, location). Tests seed it with
 * `set`, read it back with `get`, and see each inventorySetQuantities call in `writes`.
 */
export interface FakeStock {
  variants: FakeVariant[];
  /** `available` by `<inventory item number>@<location number>`; an absent pair is not stocked there. */
  levels: Map<string, number>;
  /** Adds a variant selling `sku` (another one when the SKU exists: a shared SKU), stocked nowhere; its item's number. */
  addVariant(sku: string): string;
  /**
   * Sets `available` of the SKU at a location (its number or gid), adding a variant for an unknown SKU and
   * stocking the item at the location when it was not.
   */
  set(sku: string, location: string, available: number): void;
  /** `available` of the SKU at the location; undefined for an unknown SKU or an item not stocked there. */
  get(sku: string, location: string): number | undefined;
  /** The number of the SKU's inventory item (its first variant's), the `channelItem` pushStock reports. */
  itemOf(sku: string): string | undefined;
  /** The search of each productVariants query (`sku:"…"`), in order: one per page read. */
  lookups: string[];
  /** Each inventorySetQuantities call: its key, its quantities, and whether it set, was stale, or was replayed. */
  writes: {
    key: string;
    reason: string;
    referenceDocumentUri: string;
    quantities: FakeStockQuantity[];
    outcome: 'set' | 'stale' | 'refused' | 'replayed';
  }[];
  /**
   * Runs when an inventorySetQuantities arrives, before its compare: a test changes a level here (as staff in
   * the admin would between the hub's read and its write) to make the write stale.
   */
  beforeWrite?: ((quantities: FakeStockQuantity[]) => void) | undefined;
}

export function fakeStock(nextId: () => number): FakeStock {
  const levelKey = (item: string, location: string) => `${number(item)}@${number(location)}`;
  const stock: FakeStock = {
    variants: [],
    levels: new Map(),
    lookups: [],
    writes: [],
    addVariant(sku) {
      const item = String(nextId() + 49_000_000_000);
      stock.variants.push({
        id: `gid://shopify/ProductVariant/${nextId() + 44_000_000_000}`,
        sku,
        inventoryItemId: `gid://shopify/InventoryItem/${item}`,
      });
      return item;
    },
    set(sku, location, available) {
      const item = stock.itemOf(sku) ?? stock.addVariant(sku);
      stock.levels.set(levelKey(item, location), available);
    },
    get(sku, location) {
      const item = stock.itemOf(sku);
      return item ? stock.levels.get(levelKey(item, location)) : undefined;
    },
    itemOf(sku) {
      const variant = stock.variants.find((v) => v.sku === sku);
      return variant ? number(variant.inventoryItemId) : undefined;
    },
  };
  return stock;
}

/** The value of a `sku:` search: quoted (backslash escapes undone) or a bare word. */
function searchedSku(query: string): string | undefined {
  const quoted = /sku:"((?:[^"\\]|\\.)*)"/.exec(query);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1');
  return /sku:(\S+)/.exec(query)?.[1];
}

/** A refusal Shopify gives as a top-level GraphQL error (HTTP 200, `errors`, no data). */
export class GraphqlRefusal extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Idempotency keys seen by inventorySetQuantities: the input they came with and the answer given. */
const answered = new WeakMap<FakeStock, Map<string, { input: string; answer: object }>>();

/**
 * The stock operations the hub sends: variants by SKU, inventory levels, inventorySetQuantities with
 * compare-and-set. Undefined for any other operation.
 */
export function answerStockOperation(
  stock: FakeStock,
  nextId: () => number,
  operation: string,
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
  variables: Record<string, any>,
): object | undefined {
  if (operation === 'SwitchyardVariantsBySku') {
    stock.lookups.push(variables.query);
    // Shopify matches the SKU's terms, not the whole value: near misses come back too.
    const sku = searchedSku(variables.query)?.toLowerCase() ?? '';
    const matches = stock.variants
      .filter((v) => sku && v.sku.toLowerCase().includes(sku))
      .map((v) => ({ id: v.id, sku: v.sku, inventoryItem: { id: v.inventoryItemId } }));
    // A page of `first` (at most 250, as Shopify allows) after the cursor: the last node's id here.
    const first = Math.min(Number(variables.first), 250);
    const after: string | null = variables.after ?? null;
    const start = after === null ? 0 : matches.findIndex((v) => v.id === after) + 1;
    const nodes = matches.slice(start, start + first);
    return {
      productVariants: {
        pageInfo: { hasNextPage: start + first < matches.length, endCursor: nodes.at(-1)?.id ?? null },
        nodes,
      },
    };
  }
  if (operation === 'SwitchyardStockLevels') {
    const location: string = variables.locationId;
    return {
      nodes: (variables.ids as string[]).map((id) => {
        if (!stock.variants.some((v) => v.inventoryItemId === id)) return null;
        const available = stock.levels.get(`${number(id)}@${number(location)}`);
        return {
          id,
          inventoryLevel:
            available === undefined ? null : { quantities: [{ name: 'available', quantity: available }] },
        };
      }),
    };
  }
  if (operation === 'SwitchyardStockSet') return setQuantities(stock, nextId, variables);
  return undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
function setQuantities(stock: FakeStock, nextId: () => number, variables: Record<string, any>) {
  const { key, input } = variables as {
    key: string;
    input: { name: string; reason: string; referenceDocumentUri: string; quantities: FakeStockQuantity[] };
  };
  const keys = answered.get(stock) ?? new Map<string, { input: string; answer: object }>();
  answered.set(stock, keys);
  const record = (outcome: FakeStock['writes'][number]['outcome']) =>
    stock.writes.push({
      key,
      reason: input.reason,
      referenceDocumentUri: input.referenceDocumentUri,
      quantities: input.quantities,
      outcome,
    });
  const earlier = keys.get(key);
  if (earlier) {
    // The same key again: Shopify answers what it answered the first time, and does nothing.
    if (earlier.input !== JSON.stringify(input)) {
      // How Shopify words this is not documented; the hub never reuses a key for other quantities.
      throw new GraphqlRefusal(
        `The idempotency key ${key} was used before with other parameters.`,
        'IDEMPOTENCY_KEY_REUSED',
      );
    }
    record('replayed');
    return earlier.answer;
  }
  stock.beforeWrite?.(input.quantities);
  const userErrors: { field: string[]; message: string; code: string }[] = [];
  input.quantities.forEach((q, i) => {
    const field = ['input', 'quantities', String(i)];
    const current = stock.levels.get(`${number(q.inventoryItemId)}@${number(q.locationId)}`);
    if (!('changeFromQuantity' in q)) {
      userErrors.push({
        field: [...field, 'changeFromQuantity'],
        message: 'changeFromQuantity is required: pass null to skip the check.',
        code: 'INVALID_CHANGE_FROM_QUANTITY',
      });
    } else if (current === undefined) {
      userErrors.push({
        field: [...field, 'locationId'],
        message: 'The specified inventory item is not stocked at the location.',
        code: 'ITEM_NOT_STOCKED_AT_LOCATION',
      });
    } else if (q.changeFromQuantity !== null && q.changeFromQuantity !== current) {
      userErrors.push({
        field: [...field, 'changeFromQuantity'],
        message: 'The quantity was changed since it was read: read it again.',
        code: 'CHANGE_FROM_QUANTITY_STALE',
      });
    }
  });
  if (input.name !== 'available' || !input.reason) {
    userErrors.push({
      field: ['input', 'name'],
      message: 'Unsupported quantity name.',
      code: 'INVALID_NAME',
    });
  }
  let answer: object;
  if (userErrors.length) {
    // All or nothing: one refused quantity leaves every level as it was.
    answer = { inventorySetQuantities: { inventoryAdjustmentGroup: null, userErrors } };
    record(userErrors.some((e) => e.code === 'CHANGE_FROM_QUANTITY_STALE') ? 'stale' : 'refused');
  } else {
    for (const q of input.quantities) {
      stock.levels.set(`${number(q.inventoryItemId)}@${number(q.locationId)}`, q.quantity);
    }
    answer = {
      inventorySetQuantities: {
        inventoryAdjustmentGroup: { id: `gid://shopify/InventoryAdjustmentGroup/${nextId()}` },
        userErrors: [],
      },
    };
    record('set');
  }
  keys.set(key, { input: JSON.stringify(input), answer });
  return answer;
}
