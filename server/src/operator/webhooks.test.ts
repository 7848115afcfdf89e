import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { fakeShopify } from '@switchyard/connector-shopify/testing';
import {
  type AnyConnector,
  type Connection,
  HubError,
  listAudit,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionHealth, type OperatorContext, startSync, syncWebhookSubscriptions } from './index.ts';

/**
 * Repairing a connection's webhook subscriptions from the API, the console or the CLI: the vendor's own
 * subscriptions (Shopify's, faked at the network with the connector's fake), the outcome kept for the
 * connection's health, each attempt audited.
 */
const shop = 'repair-demo.myshopify.com';
const token = 'shpat_repair_0123456789';
const fake = fakeShopify(shop, API_VERSION, token);
const vendor = setupServer(...fake.handlers);
const config: ResolvedConfig = {
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [
    {
      id: 'shop',
      tenantId: 'acme',
      connector: 'shopify',
      settings: { shop },
      secrets: { clientSecret: 'shpss_repair_0123456789', accessToken: token },
      defaultedEnv: [],
    },
  ],
  server: serverLimits({ publicUrl: 'https://hub.example.com' }),
};
let db: TestDatabase;
let ctx: OperatorContext;

beforeAll(async () => {
  vendor.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connection: Connection = {
    id: 'shop',
    tenantId: 'acme',
    connector: shopify as unknown as AnyConnector,
    settings: shopify.settings.parse({ shop }),
    secrets: { clientSecret: 'shpss_repair_0123456789', accessToken: token },
  };
  ctx = {
    hub: { sql: db.sql, connections: new Map([['shop', connection]]), config },
    by: { actor: 'key:key_test', name: 'ops', tenantId: 'acme', role: 'operator' },
  };
});
afterAll(async () => {
  vendor.close();
  await db?.drop();
});

const subscriptionOf = async () => (await connectionHealth(ctx)).find((c) => c.id === 'shop')!.subscription;

describe("a connection's webhook subscriptions", () => {
  it('says they were never repaired, then where they point once they are', async () => {
    expect(await subscriptionOf()).toMatch(/^never repaired by the hub/);
    const first = await syncWebhookSubscriptions(ctx, 'shop');
    expect(first.url).toBe('https://hub.example.com/webhooks/shop');
    expect(first.created.length).toBeGreaterThan(0);
    expect(fake.subscriptions.every((s) => s.uri === first.url)).toBe(true);
    const again = await syncWebhookSubscriptions(ctx, 'shop');
    expect(again.created).toEqual([]);
    expect(await subscriptionOf()).toMatch(
      /^pointing at https:\/\/hub\.example\.com\/webhooks\/shop since .* \(0 created, 0 repointed, \d+ already right\)$/,
    );
  });

  it('keeps a refusal for the health and the audit log, and answers it as a problem', async () => {
    fake.deny = true;
    const error = await syncWebhookSubscriptions(ctx, 'shop').catch((e: unknown) => e);
    fake.deny = false;
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).problem).toMatchObject({ type: 'subscriptions-failed', status: 502 });
    expect(await subscriptionOf()).toMatch(/^repair failed at /);
    const audit = await listAudit(db.sql, 'acme', { action: 'connection.sync-webhooks' });
    expect(audit.items.map((a) => (a.after as { ok: boolean }).ok)).toEqual([false, true, true]);
  });

  it('needs the operator role, and a connection of the tenant', async () => {
    const viewer = { ...ctx, by: { ...ctx.by, role: 'viewer' as const } };
    await expect(syncWebhookSubscriptions(viewer, 'shop')).rejects.toMatchObject({
      problem: { status: 403 },
    });
    const other = { ...ctx, by: { ...ctx.by, tenantId: 'other' } };
    await expect(syncWebhookSubscriptions(other, 'shop')).rejects.toMatchObject({ problem: { status: 404 } });
  });

  it('queues one sync of a connection however many are asked for at once', async () => {
    const asked = await Promise.allSettled([
      startSync(ctx, 'shop'),
      startSync(ctx, 'shop'),
      startSync(ctx, 'shop'),
    ]);
    expect(asked.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const refused of asked.filter((a) => a.status === 'rejected')) {
      expect((refused as PromiseRejectedResult).reason).toMatchObject({
        problem: { status: 409, type: 'sync-in-progress' },
      });
    }
  });
});
