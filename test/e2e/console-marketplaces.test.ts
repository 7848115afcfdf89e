import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePages, launchChromium } from '../support/console-pages.ts';
import { startFake } from '../support/fake-process.ts';
import { cli, type HubProcess, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * A marketplace connection's health as an operator sees it (issue 14): the real hub binary and the real CLI
 * against the Walmart fake in its own process. `switchyard sync` (its own process) mints the access token and
 * pulls the released orders, whose ship-by times have passed; the console, served by the hub process, shows the
 * token's state the CLI kept in the store, the last pull and the orders past their ship-by time, and the API
 * says the same. Screenshots go to test-results/console/.
 */
const CLIENT_ID = 'console-walmart-client';
const CLIENT_SECRET = 'console-walmart-secret-0123456789';

const scratch = scratchDir('console-marketplaces');
let fake: Awaited<ReturnType<typeof startFake>>;
let db: TestDatabase;
let hub: HubProcess;
let browser: Browser;
let viewerKey: string;
const env = () => ({
  DATABASE_URL: db.url,
  SWITCHYARD_SECRET_KEY: undefined,
  WM_CLIENT_ID: CLIENT_ID,
  WM_CLIENT_SECRET: CLIENT_SECRET,
});
const pages = consolePages(() => hub.url);

beforeAll(async () => {
  fake = await startFake('../../connectors/walmart/test/fakes/walmart-server.ts', {
    WALMART_FAKE_ORDERS: '6',
    WALMART_FAKE_CLIENT_ID: CLIENT_ID,
    WALMART_FAKE_CLIENT_SECRET: CLIENT_SECRET,
  });
  db = await createTestDatabase({ migrate: false });
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo merchant' }],
  connections: [
    { id: 'walmart', tenant: 'demo', connector: 'walmart', settings: { apiOrigin: '${fake.origin}' },
      secrets: { clientId: env('WM_CLIENT_ID'), clientSecret: env('WM_CLIENT_SECRET') } },
  ],
});
`,
  );
  hub = await startHub(scratch.dir, env());
  const synced = cli(scratch.dir, ['sync', 'walmart'], env());
  expect(synced.code, synced.stderr).toBe(0);
  const key = cli(scratch.dir, ['keys', 'create', '--tenant', 'demo', '--role', 'viewer'], env());
  expect(key.code, key.stderr).toBe(0);
  viewerKey = key.stdout.trim();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  hub?.child.kill('SIGTERM');
  await hub?.exited;
  fake?.stop();
  await db?.drop();
  scratch.remove();
});

describe('a marketplace connection in the console', () => {
  it('shows its access token, its last pull and the orders past their ship-by time', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await pages.signIn(context, viewerKey);
      await page.goto(`${hub.url}/console/connections`);
      await pages.heading(page, 'Connections');
      const card = page.locator('li.card', { hasText: 'walmart' });
      await expect.poll(() => card.innerText()).toContain('Walmart access token');
      const text = await card.innerText();
      expect(text).toContain('✓ valid');
      expect(text).toMatch(/Last poll\s+.*completed/);
      expect(text).toMatch(/Next ship-by\s+\d+/);
      expect(text).toMatch(/orders? past the marketplace's ship-by time: confirm the shipments now/);
      expect(text).not.toContain(CLIENT_SECRET);
      // Without a fulfillment section nothing acknowledges its orders, and the hub said so at start.
      expect(hub.log()).toContain('has no fulfillment section: its orders are imported but not acknowledged');
      await pages.shot(page, 'connections-marketplace');

      // The same through the API, for a monitor.
      const res = await fetch(`${hub.url}/api/v1/connections`, {
        headers: { authorization: `Bearer ${viewerKey}` },
      });
      expect(res.status).toBe(200);
      const [walmart] = ((await res.json()) as { items: Record<string, unknown>[] }).items;
      expect(walmart).toMatchObject({
        id: 'walmart',
        tokens: [expect.objectContaining({ name: 'Walmart access token', state: 'valid' })],
        shipBy: { overdue: expect.any(Number) },
        lastPollStatus: 'completed',
      });
      expect((walmart!.shipBy as { overdue: number }).overdue).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});
