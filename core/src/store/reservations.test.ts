import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderDraft } from '../order.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { sampleDraft } from '../testing/fixtures.ts';
import { connect } from './db.ts';
import { applyOrder } from './orders.ts';
import { rerouteShipment } from './reroute.ts';
import { allocateStock, releaseStock, shipStock, unshipStock } from './reservations.ts';
import { applyMovement, applyMovements, checkLedger } from './stock-ledger.ts';

let db: TestDatabase;
let next = 0;

const source = { tenantId: 'acme', connectionId: 'shop', connector: 'test-json' };

async function newOrder(): Promise<string> {
  const made = await db.sql.begin((tx) =>
    applyOrder(tx, source, OrderDraft.parse(sampleDraft(`R-${next++}`)), null),
  );
  return made.orderId;
}

async function level(sku: string, locationId: string) {
  const [row] = await db.sql<{ on_hand: string; reserved: string; available: string }[]>`
    select on_hand, reserved, on_hand - reserved - safety_stock as available from stock_levels
    where tenant_id = 'acme' and sku = ${sku} and location_id = ${locationId}`;
  return {
    onHand: Number(row?.on_hand ?? 0),
    reserved: Number(row?.reserved ?? 0),
    available: Number(row?.available ?? 0),
  };
}

const receive = (sku: string, locationId: string, quantity: number, key: string) =>
  db.sql.begin((tx) =>
    applyMovement(tx, { tenantId: 'acme', sku, locationId, kind: 'receipt', quantity, idempotencyKey: key }),
  );

/** A router as simple as the test needs: the first location with the whole quantity, else what each has. */
function greedy(lines: { lineId: string; sku: string; quantity: number }[], locations: string[]) {
  return (available: (sku: string, location: string) => number) => {
    const shipments: { locationId: string; lines: typeof lines }[] = [];
    const backordered: typeof lines = [];
    for (const line of lines) {
      let left = line.quantity;
      for (const locationId of locations) {
        const take = Math.min(left, available(line.sku, locationId));
        if (take <= 0) continue;
        shipments.push({ locationId, lines: [{ ...line, quantity: take }] });
        left -= take;
        if (!left) break;
      }
      if (left) backordered.push({ ...line, quantity: left });
    }
    return { shipments, backordered };
  };
}

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(() => db.drop());

describe('the inventory ledger', () => {
  it('counts a movement once per idempotency key, and refuses to take more than is on hand', async () => {
    expect(await receive('LEDGER-1', 'east', 5, 'po-1')).toBe(true);
    expect(await receive('LEDGER-1', 'east', 5, 'po-1')).toBe(false);
    expect(await level('LEDGER-1', 'east')).toMatchObject({ onHand: 5, available: 5 });
    await expect(
      db.sql.begin((tx) =>
        applyMovement(tx, {
          tenantId: 'acme',
          sku: 'LEDGER-1',
          locationId: 'east',
          kind: 'adjustment',
          quantity: -6,
          idempotencyKey: 'adj-1',
        }),
      ),
    ).rejects.toThrow(/5 on hand, the adjustment of -6 would leave -1/);
    const adjust = () =>
      db.sql.begin((tx) =>
        applyMovement(tx, {
          tenantId: 'acme',
          sku: 'LEDGER-1',
          locationId: 'east',
          kind: 'adjustment',
          quantity: -5,
          idempotencyKey: 'adj-2',
        }),
      );
    expect(await adjust()).toBe(true);
    // A retry of a movement recorded before answers "already", whatever the balance is now.
    expect(await adjust()).toBe(false);
    await receive('LEDGER-1', 'east', 5, 'po-2');
    const applied = await applyMovements(db.sql, [
      {
        tenantId: 'acme',
        sku: 'LEDGER-1',
        locationId: 'east',
        kind: 'count',
        quantity: 3,
        idempotencyKey: 'count-1',
      },
      {
        tenantId: 'acme',
        sku: 'LEDGER-1',
        locationId: 'east',
        kind: 'safety',
        quantity: 1,
        idempotencyKey: 'safety-1',
      },
    ]);
    expect(applied).toBe(2);
    expect(await level('LEDGER-1', 'east')).toMatchObject({ onHand: 3, available: 2 });
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });

  it('64 orders racing for the last 10 units across two locations reserve exactly 10, never a negative available', async () => {
    await receive('HOT', 'east', 6, 'hot-east');
    await receive('HOT', 'west', 4, 'hot-west');
    const orders = await Promise.all(Array.from({ length: 64 }, () => newOrder()));
    // 64 orders at once on 32 connections of their own: 32 transactions open together, all waiting on the same two
    // rows, the rest queued behind them (64 connections would pass a stock server's 100 beside the suite's others).
    const racing = connect(db.url, { max: 32 });
    const results = await Promise.all(
      orders.map((orderId) =>
        allocateStock(racing, {
          tenantId: 'acme',
          orderId,
          key: `route:${orderId}`,
          skus: ['HOT'],
          locations: ['east', 'west'],
          decide: greedy([{ lineId: '1', sku: 'HOT', quantity: 1 }], ['east', 'west']),
        }),
      ),
    ).finally(() => racing.end());
    const reserved = results
      .flatMap((r) => r.shipments.flatMap((s) => s.lines))
      .reduce((n, l) => n + l.quantity, 0);
    expect(reserved).toBe(10);
    expect(results.filter((r) => r.decision.backordered.length).length).toBe(54);
    expect(await level('HOT', 'east')).toMatchObject({ onHand: 6, reserved: 6, available: 0 });
    expect(await level('HOT', 'west')).toMatchObject({ onHand: 4, reserved: 4, available: 0 });
    const [negative] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from stock_movements where sku = 'HOT' and on_hand_after - reserved_after < 0`;
    expect(negative?.n).toBe(0);
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });

  it('routes once per key, ships what left, releases the rest, and undoes a shipment', async () => {
    await receive('PART', 'east', 5, 'part-east');
    const orderId = await newOrder();
    const route = () =>
      allocateStock(db.sql, {
        tenantId: 'acme',
        orderId,
        key: `route:${orderId}`,
        skus: ['PART'],
        locations: ['east'],
        decide: greedy([{ lineId: '1', sku: 'PART', quantity: 3 }], ['east']),
      });
    const first = await route();
    const again = await route();
    expect(again.again).toBe(true);
    expect(again.shipments).toEqual(first.shipments);
    expect(await level('PART', 'east')).toMatchObject({ reserved: 3, available: 2 });

    const ship = () =>
      shipStock(db.sql, {
        tenantId: 'acme',
        orderId,
        n: 1,
        key: `ship:${orderId}`,
        lines: [{ lineId: '1', quantity: 2 }],
      });
    // A count finds one unit fewer than the shelf holds while the order waits: the label ships them anyway.
    await db.sql.begin((tx) =>
      applyMovement(tx, {
        tenantId: 'acme',
        sku: 'PART',
        locationId: 'east',
        kind: 'count',
        quantity: 1,
        idempotencyKey: 'part-count',
      }),
    );
    expect(await ship()).toEqual({ shipped: 2, released: 1 });
    const [short] = await db.sql<{ kind: string; quantity: string }[]>`
      select kind, quantity from stock_movements where sku = 'PART' and reason like '%count was short%'`;
    expect(short).toEqual({ kind: 'adjustment', quantity: '1' });
    await receive('PART', 'east', 3, 'part-east-2');
    expect(await level('PART', 'east')).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect((await ship()).shipped).toBe(0);

    expect(await unshipStock(db.sql, { tenantId: 'acme', orderId, n: 1, key: `unship:${orderId}` })).toBe(2);
    expect(await level('PART', 'east')).toMatchObject({ onHand: 5, reserved: 2 });
    expect(
      await releaseStock(db.sql, {
        tenantId: 'acme',
        orderId,
        key: `cancel:${orderId}`,
        reason: 'cancelled',
      }),
    ).toBe(2);
    expect(await level('PART', 'east')).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    expect(
      await releaseStock(db.sql, {
        tenantId: 'acme',
        orderId,
        key: `cancel:${orderId}`,
        reason: 'cancelled',
      }),
    ).toBe(0);
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });

  it('moves a planned shipment to a location that holds it, and refuses one that does not', async () => {
    await receive('MOVE', 'east', 2, 'move-east');
    await receive('MOVE', 'west', 1, 'move-west');
    const orderId = await newOrder();
    await allocateStock(db.sql, {
      tenantId: 'acme',
      orderId,
      key: `route:${orderId}`,
      skus: ['MOVE'],
      locations: ['east'],
      decide: greedy([{ lineId: '1', sku: 'MOVE', quantity: 2 }], ['east']),
    });
    await expect(
      rerouteShipment(db.sql, { tenantId: 'acme', orderId, n: 1, to: 'west', key: `reroute-1:${orderId}` }),
    ).rejects.toThrow(/west cannot promise 2 × MOVE \(has 1\)/);
    await receive('MOVE', 'west', 1, 'move-west-2');
    const moved = await rerouteShipment(db.sql, {
      tenantId: 'acme',
      orderId,
      n: 1,
      to: 'west',
      key: `reroute-2:${orderId}`,
    });
    expect(moved).toMatchObject({ from: 'east', to: 'west' });
    expect(await level('MOVE', 'east')).toMatchObject({ reserved: 0, available: 2 });
    expect(await level('MOVE', 'west')).toMatchObject({ reserved: 2, available: 0 });
    await expect(
      rerouteShipment(db.sql, { tenantId: 'other', orderId, n: 1, to: 'east', key: `reroute-3:${orderId}` }),
    ).rejects.toThrow(/has no shipment 1/);
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });
});
