import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AnyConnector, InboundRequest, PulledRecord } from '../connector/index.ts';
import { type Connection, connectionContext } from '../intake/connection.ts';
import { fetchResource, hydrateDue } from '../intake/hydrate.ts';
import { isAcceptedForHydration } from '../intake/notification.ts';
import { prepare } from '../intake/prepare.ts';
import { store } from '../intake/store.ts';
import { SecretBox } from '../secrets.ts';
import { serverLimits } from '../server-limits.ts';
import { syncConfig } from '../store/tenants.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** What a connector with `webhook.hydrate` gives the kit besides its notifications. */
export interface HydrationContract {
  /** Puts the resources the notifications name on the fake vendor API (msw), each at one state. */
  hold(): void;
  /** How many times the fake vendor has been asked for a resource so far. */
  fetches(): number;
}

export interface HydrationCheckInput {
  connector: AnyConnector;
  settings: unknown;
  secrets: Record<string, string>;
  now: Date;
  hydration: HydrationContract;
  /** The notifications, signed as the vendor sends them. */
  notifications: InboundRequest[];
}

/**
 * Thin-webhook hydration on the run's PostgreSQL: a notification is stored and answered without a fetch; the
 * hydrator then fetches each resource once and stores it as a record that normalizes; a duplicate notification
 * costs no fetch; and the fetched record has the dedupe key a pull of the same state gives it.
 */
export function hydrationChecks(input: HydrationCheckInput): void {
  const { connector, hydration, now } = input;
  let db: TestDatabase;
  let connection: Connection;
  const hydrateAll = () =>
    hydrateDue(
      { sql: db.sql, connections: new Map([[connection.id, connection]]) },
      new AbortController().signal,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    const settings = connector.settings.parse(input.settings);
    await syncConfig(
      db.sql,
      {
        tenants: [{ id: 'contract', name: 'Contract' }],
        connections: [
          {
            id: 'contract',
            tenantId: 'contract',
            connector: connector.id,
            settings: settings as Record<string, unknown>,
            secrets: input.secrets,
            defaultedEnv: [],
          },
        ],
        server: serverLimits({}),
      },
      SecretBox.fromString(SecretBox.generateKey()),
    );
    connection = {
      id: 'contract',
      tenantId: 'contract',
      connector,
      settings,
      secrets: connector.secrets.parse(input.secrets),
    };
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores each notification and answers before fetching, then fetches each resource once', async () => {
    hydration.hold();
    const before = hydration.fetches();
    for (const request of input.notifications) {
      const outcome = await store(
        db.sql,
        prepare(connection, request, () => now),
      );
      expect(outcome).toMatchObject({ status: 'ignored' });
      expect(
        outcome.status === 'ignored' && isAcceptedForHydration(outcome.reason),
        JSON.stringify(outcome),
      ).toBe(true);
    }
    expect(hydration.fetches(), 'no fetch before the answer').toBe(before);
    const report = await hydrateAll();
    expect(report).toMatchObject({ hydrated: input.notifications.length, retrying: 0, failed: 0 });
    expect(hydration.fetches()).toBe(before + input.notifications.length);
    const records = await db.sql<{ status: string }[]>`
      select status from inbox where connection_id = 'contract' and method = 'HYDRATE'`;
    expect(records.map((r) => r.status)).toEqual(input.notifications.map(() => 'processed'));
  });

  it('fetches nothing for a duplicate notification', async () => {
    const before = hydration.fetches();
    for (const request of input.notifications) {
      expect(
        await store(
          db.sql,
          prepare(connection, request, () => now),
        ),
      ).toMatchObject({ status: 'duplicate' });
    }
    expect(await hydrateAll()).toMatchObject({ hydrated: 0 });
    expect(hydration.fetches()).toBe(before);
  });

  if (connector.pull) {
    it('gives the fetched record the dedupe key a pull gives the same state', async () => {
      hydration.hold();
      const hydrate = connector.webhook!.hydrate!;
      const pulled = new Set<string>();
      // A fresh connection id: no request budget carries over from the checks before.
      const context = connectionContext({ ...connection, id: `contract-${Math.random()}` }, () => now);
      for await (const page of connector.pull!(context, { signal: new AbortController().signal })) {
        for (const record of page.records) pulled.add(record.dedupeKey);
      }
      for (const request of input.notifications) {
        const resource = hydrate.resource(
          request,
          connectionContext(connection, () => now),
        );
        expect(resource).toBeDefined();
        const record: PulledRecord | undefined = await fetchResource(
          connection,
          resource!,
          new AbortController().signal,
          30_000,
        );
        expect(record, `${resource!.type} ${resource!.id} is on the fake vendor`).toBeDefined();
        expect([...pulled]).toContain(record!.dedupeKey);
      }
    });
  }
}
