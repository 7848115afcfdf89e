import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import type { Principal } from './api-keys.ts';
import { listAudit, recordAudit } from './audit.ts';

let db: TestDatabase;
const by: Principal = { actor: 'key:key_1', name: 'ops', tenantId: 'acme', role: 'operator' };

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(async () => db?.drop());

describe('the audit log', () => {
  it('pages newest first by number, each entry once, and shows a tenant its own only', async () => {
    for (let n = 1; n <= 25; n++) {
      await recordAudit(db.sql, by, {
        action: 'exception.replay',
        targetType: 'exception',
        targetId: `exc_${n}`,
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listAudit(db.sql, 'acme', { limit: 7, cursor });
      seen.push(...page.items.map((e) => e.targetId));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `exc_${25 - i}`));
    expect((await listAudit(db.sql, 'other')).items).toEqual([]);
    await expect(listAudit(db.sql, 'acme', { cursor: 'abc' })).rejects.toMatchObject({
      problem: { status: 400 },
    });
  });
});
