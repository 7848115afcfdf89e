import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { applyMovement } from './stock-ledger.ts';
import { claimDueStock, finishDueStock, releaseDueStock, renewDueStock } from './stock-push.ts';

let db: TestDatabase;
const by = (owner: string, leaseMs = 60_000) => ({ owner, limit: 10, leaseMs, settleMs: 0, maxWaitMs: 0 });
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
  it('takes a SKU once however many changes, held by one pusher at a time', async () => {
    for (let i = 0; i < 5; i++) await receive('Q-1', `q1-${i}`);
    const [first] = await claimDueStock(db.sql, by('a'));
    expect(first).toMatchObject({ sku: 'Q-1', changes: 5 });
    expect(await claimDueStock(db.sql, by('b'))).toEqual([]);
    await finishDueStock(db.sql, 'a', first!);
    expect(await claimDueStock(db.sql, by('b'))).toEqual([]);
  });

  it('keeps a SKU due, with only the changes after the push, when it changed while being pushed', async () => {
    await receive('Q-2', 'q2-1');
    const [due] = await claimDueStock(db.sql, by('a'));
    await receive('Q-2', 'q2-2');
    await receive('Q-2', 'q2-3');
    await finishDueStock(db.sql, 'a', due!);
    const [again] = await claimDueStock(db.sql, by('a'));
    expect(again).toMatchObject({ sku: 'Q-2', changes: 2 });
    await finishDueStock(db.sql, 'a', again!);
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
    const claimed = await claimDueStock(db.sql, by('a'));
    release();
    await writer;
    expect(claimed).toMatchObject([{ sku: 'Q-3', changes: 1 }]);
    await releaseDueStock(db.sql, 'a', claimed[0]!, 60_000);
    expect(await claimDueStock(db.sql, by('b'))).toEqual([]);
  });

  it('lets a pusher whose lease ran out neither push nor finish what another took over', async () => {
    await receive('Q-4', 'q4-1');
    const [slow] = await claimDueStock(db.sql, by('slow', 1));
    await new Promise((r) => setTimeout(r, 20));
    const [quick] = await claimDueStock(db.sql, by('quick'));
    expect(quick).toMatchObject({ sku: 'Q-4' });
    expect(await renewDueStock(db.sql, 'slow', [slow!], 60_000)).toEqual(new Set());
    await finishDueStock(db.sql, 'slow', slow!);
    const [left] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from stock_change_log where sku = 'Q-4'`;
    expect(left!.n).toBe(1);
    await finishDueStock(db.sql, 'quick', quick!);
    const [gone] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from stock_change_log where sku = 'Q-4'`;
    expect(gone!.n).toBe(0);
  });
});
