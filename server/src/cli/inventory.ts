import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { type Level, type Movement, STOCK_PAGE_MAX } from '@switchyard/core';
import type { Hub } from '../hub.ts';
import {
  FILE_KINDS,
  loadStockFile,
  type ManualKind,
  type OperatorContext,
  recordMovement,
  rerouteAction,
  skuDetail,
  stockLevels,
  stockMovements,
  tenantLocations,
} from '../operator/index.ts';
import { cliPrincipal } from './keys.ts';
import { type Flags, limitOf, out, readInput, table, UsageError, withHub } from './shared.ts';

/** The flags `inventory` reads besides the shared ones. */
export type InventoryFlags = Flags & {
  sku?: string | undefined;
  location?: string | undefined;
  short?: boolean | undefined;
  reason?: string | undefined;
  order?: string | undefined;
};

/** U+2212 MINUS SIGN: what a negative quantity is carried as past the option parser (see `inventoryArgs`). */
const MINUS = '\u2212';

/**
 * `adjust <sku> <location> -3` reads `-3` as an option: under `inventory`, a negative whole number is carried
 * to the parser with a minus sign that is not a hyphen, and read back as negative.
 */
export function inventoryArgs(argv: string[]): string[] {
  return argv.includes('inventory')
    ? argv.map((a) => (/^-\d+$/.test(a) ? `${MINUS}${a.slice(1)}` : a))
    : argv;
}

const USAGE = `usage: switchyard inventory <command>
  levels [--sku PREFIX] [--location ID] [--short] [--limit N] [--cursor C]
  sku <SKU> [--location ID] [--limit N]
  receive <sku> <location> <qty> [--reason TEXT]
  adjust <sku> <location> <±qty> --reason TEXT
  count <sku> <location> <qty> [--reason TEXT]
  load <file.csv> [--kind count|receipt|adjustment]
  movements [--sku SKU] [--location ID] [--order ID] [--limit N] [--cursor C]
  reroute <order id> <shipment n> <location>
  locations`;

function quantityOf(raw: string | undefined, what: string): number {
  const text = raw?.replace(MINUS, '-');
  if (!text || !/^[+-]?\d{1,10}$/.test(text))
    throw new UsageError(`${what} "${text ?? ''}" must be a whole number (${USAGE.split('\n')[0]})`);
  return Number(text);
}

const levelRow = (l: Level) => ({
  ...l,
  available: l.available > 0 ? l.available : `${l.available} (none to promise)`,
});
const LEVEL_COLUMNS = ['sku', 'locationId', 'onHand', 'reserved', 'safetyStock', 'available', 'updatedAt'];

function movementRows(items: Movement[]) {
  return items.map((m) => ({
    ...m,
    change: `${m.onHandChange >= 0 ? '+' : ''}${m.onHandChange}`,
    reserved: `${m.reservedChange >= 0 ? '+' : ''}${m.reservedChange}`,
    order: m.sourceRef ?? '',
    reason: m.reason ?? '',
  }));
}
const MOVEMENT_COLUMNS = [
  'id',
  'at',
  'sku',
  'locationId',
  'kind',
  'quantity',
  'change',
  'onHandAfter',
  'reserved',
  'order',
  'reason',
];

/** One line about a balance, as a person reads it after a change. */
function levelLine(l: Level): string {
  const available = l.available > 0 ? `${l.available}` : `${l.available} (none to promise)`;
  return `${l.sku} at ${l.locationId}: on hand ${l.onHand}, reserved ${l.reserved}, safety ${l.safetyStock}, available ${available}`;
}

async function record(ctx: OperatorContext, values: InventoryFlags, kind: ManualKind, args: string[]) {
  const [sku, location, qty] = args;
  const recorded = await recordMovement(ctx, {
    sku: sku!,
    locationId: location!,
    kind,
    quantity: quantityOf(qty, 'the quantity'),
    reason: values.reason,
    idempotencyKey: `cli:${randomUUID()}`,
  });
  if (values.json) return out(recorded);
  const verb = {
    receipt: 'received',
    adjustment: 'adjusted by',
    count: 'counted',
    return: 'returned',
    safety: 'safety stock',
  }[kind];
  out(`${verb} ${recorded.movement.quantity}: ${levelLine(recorded.level)}`);
}

/** Checks what can be checked before the database is opened: the command and its arguments. */
function checkArgs(values: InventoryFlags, sub: string | undefined, args: string[]) {
  const need = (n: number, shape: string) => {
    if (args.length !== n) throw new UsageError(`usage: switchyard inventory ${sub} ${shape}`);
  };
  switch (sub) {
    case 'levels':
    case 'movements':
    case 'locations':
      return need(0, sub === 'locations' ? '' : '[options]');
    case 'sku':
      return need(1, '<SKU>');
    case 'receive':
    case 'count':
      need(3, '<sku> <location> <qty>');
      return quantityOf(args[2], 'the quantity');
    case 'adjust':
      need(3, '<sku> <location> <±qty> --reason TEXT');
      quantityOf(args[2], 'the change');
      if (!values.reason?.trim())
        throw new UsageError('an adjustment needs --reason (why the shelf differs)');
      return;
    case 'load':
      need(1, '<file.csv> [--kind count|receipt|adjustment]');
      if (values.kind && !(FILE_KINDS as readonly string[]).includes(values.kind))
        throw new UsageError(`--kind must be one of ${FILE_KINDS.join(', ')}`);
      return;
    case 'reroute':
      need(3, '<order id> <shipment n> <location>');
      if (!/^[1-9]\d{0,4}$/.test(args[1]!))
        throw new UsageError(`shipment "${args[1]}" must be its number (1, 2, …)`);
      return;
    default:
      throw new UsageError(USAGE.replaceAll('\n', ' |').replace(/\s+/g, ' '));
  }
}

async function run(hub: Hub, values: InventoryFlags, sub: string, args: string[]) {
  const ctx: OperatorContext = { hub, by: cliPrincipal(hub.tenant(values.tenant)) };
  switch (sub) {
    case 'levels': {
      const page = await stockLevels(ctx, {
        ...(values.sku ? { sku: values.sku } : {}),
        ...(values.location ? { locationId: values.location } : {}),
        ...(values.short ? { short: true } : {}),
        limit: limitOf(values, { max: STOCK_PAGE_MAX }),
        cursor: values.cursor ?? null,
      });
      if (values.json) return out(page);
      if (!page.items.length) return out(values.cursor ? 'no more balances' : 'no balances match');
      out(table(page.items.map(levelRow), LEVEL_COLUMNS));
      if (page.next) out(`more: switchyard inventory levels --cursor ${page.next} (with the same filters)`);
      return;
    }
    case 'sku': {
      const found = await skuDetail(ctx, args[0]!, {
        ...(values.location ? { locationId: values.location } : {}),
        limit: limitOf(values, { fallback: 20, max: STOCK_PAGE_MAX }),
      });
      if (values.json) return out(found);
      out(table(found.levels.map(levelRow), LEVEL_COLUMNS));
      out(
        `total: on hand ${found.total.onHand}, reserved ${found.total.reserved}, available ${found.total.available}`,
      );
      out('');
      out(table(movementRows(found.movements), MOVEMENT_COLUMNS));
      return;
    }
    case 'receive':
      return record(ctx, values, 'receipt', args);
    case 'adjust':
      return record(ctx, values, 'adjustment', args);
    case 'count':
      return record(ctx, values, 'count', args);
    case 'load': {
      const loaded = await loadStockFile(ctx, readInput(args[0]!), { kind: values.kind });
      if (values.json) return out(loaded);
      out(
        `${basename(args[0]!)}: ${loaded.applied} ${loaded.kind}${loaded.applied === 1 ? '' : 's'} recorded` +
          `${loaded.alreadyLoaded ? `, ${loaded.alreadyLoaded} recorded by an earlier load of this file` : ''} (sha256 ${loaded.sha256.slice(0, 12)})`,
      );
      return;
    }
    case 'movements': {
      const page = await stockMovements(ctx, {
        ...(values.sku ? { sku: values.sku } : {}),
        ...(values.location ? { locationId: values.location } : {}),
        ...(values.order ? { orderId: values.order } : {}),
        limit: limitOf(values, { max: STOCK_PAGE_MAX }),
        cursor: values.cursor ?? null,
      });
      if (values.json) return out(page);
      if (!page.items.length) return out('no movements match');
      out(table(movementRows(page.items), MOVEMENT_COLUMNS));
      if (page.next)
        out(`more: switchyard inventory movements --cursor ${page.next} (with the same filters)`);
      return;
    }
    case 'reroute': {
      const moved = await rerouteAction(ctx, args[0]!, Number(args[1]), args[2]!);
      return out(values.json ? moved : moved.message);
    }
    case 'locations': {
      const locations = tenantLocations(ctx);
      if (values.json) return out(locations);
      if (!locations.length)
        return out(`tenant ${ctx.by.tenantId} has no locations (the config's top-level locations)`);
      out(
        table(
          locations.map((l) => ({
            ...l,
            name: l.name ?? '',
            city: `${l.address.city}, ${l.address.country}`,
          })),
          ['id', 'name', 'kind', 'city', 'priority', 'partial'],
        ),
      );
      return;
    }
  }
}

/** `switchyard inventory …`: the stock ledger, as the API and the console show and change it. */
export async function inventory(values: InventoryFlags, [sub, ...args]: string[]): Promise<void> {
  checkArgs(values, sub, args);
  await withHub(values, (hub) => run(hub, values, sub!, args));
}
