import { easypost } from '@switchyard/connector-easypost';
import {
  type AnyConnector,
  applyMovements,
  type Connection,
  type Engine,
  type Loop,
  type ResolvedConnection,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import {
  orderWorkflow,
  resolvePlans,
  startDbosEngine,
  startOrderDispatcher,
  startSignalDispatcher,
  startStockPusher,
} from '@switchyard/workflows';
import { setupServer } from 'msw/node';
import { expect } from 'vitest';
import { storeConnections } from './connections.ts';
import { eventually } from './eventually.ts';

/** The warehouse in Newark the marketplace tests keep their stock at and ship from. */
export const eastWarehouse = {
  id: 'east',
  tenant: 'acme',
  kind: 'warehouse',
  address: {
    company: 'Acme East',
    street1: '1 Market St',
    city: 'Newark',
    state: 'NJ',
    zip: '07102',
    country: 'US',
  },
};

/** A connection as a config names it: the connector, and its settings and secrets as written. */
interface Part {
  id: string;
  connector: unknown;
  settings: unknown;
  secrets: Record<string, string>;
}

export interface ChannelHubOptions {
  /** The sales channel (tenant `acme`), with its `stock` section when the hub pushes figures to it. */
  channel: Part & { stock?: Record<string, unknown> };
  /** The EasyPost connection `shipping` the channel's labels are bought from: its secrets. */
  shipping: { apiKey: string; webhookSecret: string };
  /**
   * The channel's fulfillment section beyond what it always is here: paid on the channel, labels from
   * `shipping`, parcels of 500 g.
   */
  fulfillment: Record<string, unknown>;
  /** The config's top-level `locations`. */
  locations: readonly unknown[];
  /** The msw handlers of the fakes the connections reach, served while the hub runs (unhandled: an error). */
  handlers: Parameters<typeof setupServer>;
}

export interface ChannelHubStart {
  /** Received at `east` (keyed `po:<sku>`) before the engine starts. */
  receipts?: Record<string, number>;
  /** Also hand tracking events and cancellations on the channel to the workflows. */
  signalDispatcher?: boolean;
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * A hub in this process for one sales channel and an EasyPost connection `shipping`: the connections parsed as
 * the hub parses them, the fulfillment plans and stock sections resolved from them, and `start()` / `stop()`
 * for beforeAll / afterAll. `start` checks the config has no issues, serves the fakes, creates a test database
 * with the connections stored, and starts a DBOS engine running the order workflow with the order dispatcher
 * for the channel (its loops every 50 ms), returning once the channel's fulfillment is active (orders imported
 * from then on get a workflow); the stock pusher is started when the test asks.
 */
export function channelHub(options: ChannelHubOptions) {
  const { channel: channelPart, shipping, fulfillment, locations } = options;
  const parts: Part[] = [
    channelPart,
    { id: 'shipping', connector: easypost, settings: {}, secrets: shipping },
  ];
  const connectorOf = (part: Part) => part.connector as AnyConnector;
  const connections = new Map<string, Connection>();
  for (const part of parts) {
    const connector = connectorOf(part);
    connections.set(part.id, {
      id: part.id,
      tenantId: 'acme',
      connector,
      settings: connector.settings.parse(part.settings),
      secrets: connector.secrets.parse(part.secrets),
    });
  }
  const sections = {
    fulfillment: { payment: 'channel', shipping: 'shipping', parcel: { weightGrams: 500 }, ...fulfillment },
    ...(channelPart.stock ? { stock: channelPart.stock } : {}),
  };
  const resolved: ResolvedConnection[] = parts.map((part) => ({
    id: part.id,
    tenantId: 'acme',
    connector: connectorOf(part).id,
    settings: part.settings,
    secrets: part.secrets,
    defaultedEnv: [],
    ...(part === channelPart ? sections : {}),
  }));
  const { plans, stock, issues } = resolvePlans(
    resolved,
    new Map(parts.map((part) => [connectorOf(part).id, connectorOf(part)])),
    locations,
  );
  const server = setupServer(...options.handlers);
  let db: TestDatabase | undefined;
  let engine: Engine | undefined;
  const loops: Loop[] = [];

  const receive = async (receipts: Record<string, number>) => {
    await applyMovements(
      db!.sql,
      Object.entries(receipts).map(([sku, quantity]) => ({
        tenantId: 'acme',
        sku,
        locationId: 'east',
        kind: 'receipt' as const,
        quantity,
        idempotencyKey: `po:${sku}`,
      })),
    );
  };

  return {
    connections,
    channel: connections.get(channelPart.id)!,
    /** The connections as the config resolved them, the channel's fulfillment and stock sections included. */
    resolved,
    plans,
    stock,
    /** Stock received at `east`, one receipt per SKU keyed `po:<sku>`. */
    receive,

    async start(start: ChannelHubStart = {}): Promise<{ db: TestDatabase; engine: Engine }> {
      expect(issues).toEqual([]);
      server.listen({ onUnhandledRequest: 'error' });
      db = await createTestDatabase();
      const { sql } = db;
      await storeConnections(sql, connections.values());
      if (start.receipts) await receive(start.receipts);
      engine = await startDbosEngine({
        databaseUrl: db.url,
        executorId: `${connectorOf(channelPart).id}-e2e`,
        applicationVersion: 'test',
        workflows: [orderWorkflow({ sql, connections, plan: (o) => plans.get(o.source.connectionId) })],
        log: () => {},
      });
      loops.push(startOrderDispatcher({ sql, engine, managed: [channelPart.id], log: quiet, everyMs: 50 }));
      if (start.signalDispatcher) {
        loops.push(startSignalDispatcher({ sql, engine, connections, log: quiet, everyMs: 50 }));
      }
      // Orders imported before the dispatcher's first turn are history: wait for it before any is imported.
      await eventually(
        'fulfillment activated',
        async () => (await sql`select 1 from fulfillment_activation`).length > 0,
      );
      return { db, engine };
    },

    /** Starts pushing the channel's stock figures (every 50 ms, a change pushed at once); stopped by `stop`. */
    startStockPusher(): Loop {
      const pusher = startStockPusher({
        sql: db!.sql,
        connections,
        channels: stock,
        log: quiet,
        everyMs: 50,
        settleMs: 0,
        maxWaitMs: 0,
      });
      loops.push(pusher);
      return pusher;
    },

    /** Stops the loops in the order they started, then the engine, the fakes' server and the database. */
    async stop(): Promise<void> {
      for (const loop of loops) await loop.stop();
      await engine?.stop();
      server.close();
      await db?.drop();
    },
  };
}
