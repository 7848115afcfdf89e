import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { applyMovement } from './stock-ledger.ts';
import { claimDueStock, finishDueStock, releaseDueStock } from './stock-push.ts';

let db: TestDatabase;
const now = { limit: 10, leaseMs: 60_000, settleMs: 0, maxWaitMs: 0 };
const receive = (sku: string, key: string) =>
  db.sql.begin((tx) =>
    applyMovement(tx, {
      tenantId: 'acme',
      sku,
      locationId: 'east',
      kind: 'receipt',
      quantity: 1,
      idempotencyKey: key,
    }),
  );

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(() => db.drop());

describe('the queue of stock figures due on the channels', () => {
  it('is one entry per SKU however many changes, held by one pusher at a time', async () => {
    for (let i = 0; i < 5; i++) await receive('Q-1', `q1-${i}`);
    const [first] = await claimDueStock(db.sql, now);
    expect(first).toMatchObject({ sku: 'Q-1', change: '5' });
    expect(await claimDueStock(db.sql, now)).toEqual([]);
    await finishDueStock(db.sql, first!);
    expect(await claimDueStock(db.sql, now)).toEqual([]);
  });

  it('keeps a SKU due, counting only what came after the push, when it changed while being pushed', async () => {
    await receive('Q-2', 'q2-1');
    const [due] = await claimDueStock(db.sql, now);
    await receive('Q-2', 'q2-2');
    await receive('Q-2', 'q2-3');
    await finishDueStock(db.sql, due!);
    expect(await claimDueStock(db.sql, now)).toMatchObject([{ sku: 'Q-2', change: '2' }]);
  });

  it('takes a SKU a writer is changing right now, without waiting for it', async () => {
    await receive('Q-3', 'q3-1');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const writer = db.sql.begin(async (tx) => {
      await applyMovement(tx, {
        tenantId: 'acme',
        sku: 'Q-3',
        locationId: 'east',
        kind: 'receipt',
        quantity: 1,
        idempotencyKey: 'q3-2',
      });
      locked();
      await held;
    });
    await isLocked;
    const claimed = await claimDueStock(db.sql, now);
    release();
    await writer;
    expect(claimed).toMatchObject([{ sku: 'Q-3', change: '1' }]);
    await releaseDueStock(db.sql, claimed[0]!, 60_000);
    expect(await claimDueStock(db.sql, now)).toEqual([]);
  });
});
