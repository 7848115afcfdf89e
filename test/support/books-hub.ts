import {
  type AnyConnector,
  authorizedAccess,
  type Connection,
  connectionContext,
  type Engine,
  IntakeQueue,
  type Loop,
  type ResolvedConfig,
  type ResolvedConnection,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { beginAuthorization, completeAuthorization, createApp, silentLogger } from '@switchyard/server';
import {
  booksDayWorkflow,
  booksPostingWorkflow,
  orderWorkflow,
  resolveBooksPlans,
  resolvePlans,
  startBooksDispatcher,
  startBooksWatcher,
  startDayStarter,
  startDbosEngine,
  startOrderDispatcher,
  startSignalDispatcher,
} from '@switchyard/workflows';
import { setupServer } from 'msw/node';
import { expect } from 'vitest';
import { eventually } from './eventually.ts';

/** A connection as a config names it, with its sections. */
export interface BooksHubPart {
  id: string;
  connector: unknown;
  settings: unknown;
  secrets: Record<string, string>;
  fulfillment?: Record<string, unknown>;
  accounting?: Record<string, unknown>;
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * A hub in this process for accounting: the channels and books connections as the hub parses them (each OAuth
 * connection with its grant kept in the store, sealed), the order and books workflows on a DBOS engine, the
 * order, signal and books dispatchers, the day starter (on a clock the test moves) and the books watcher, every
 * loop at 50 ms, and the hub's HTTP app for webhooks and the OAuth callback. The vendors are msw fakes.
 */
export function booksHub(options: { parts: BooksHubPart[]; handlers: Parameters<typeof setupServer> }) {
  const box = SecretBox.fromString(SecretBox.generateKey());
  const connectorOf = (part: BooksHubPart) => part.connector as AnyConnector;
  const resolved: ResolvedConnection[] = options.parts.map((p) => ({
    id: p.id,
    tenantId: 'acme',
    connector: connectorOf(p).id,
    settings: p.settings,
    secrets: p.secrets,
    defaultedEnv: [],
    ...(p.fulfillment ? { fulfillment: p.fulfillment } : {}),
    ...(p.accounting ? { accounting: p.accounting } : {}),
  }));
  const connectors = new Map(options.parts.map((p) => [connectorOf(p).id, connectorOf(p)]));
  const fulfillment = resolvePlans(resolved, connectors, []);
  const books = resolveBooksPlans(resolved, connectors);
  const config: ResolvedConfig = {
    tenants: [{ id: 'acme', name: 'Acme' }],
    connections: resolved,
    locations: [],
    server: serverLimits({ bodyLimit: 1 << 20 }),
  };
  const server = setupServer(...options.handlers);
  const connections = new Map<string, Connection>();
  let db: TestDatabase | undefined;
  let engine: Engine | undefined;
  const loops: Loop[] = [];
  /** What the day starter takes for now. */
  const clock = { now: new Date() };

  return {
    connections,
    config,
    plans: books.plans,
    clock,
    get db() {
      return db!;
    },
    get engine() {
      return engine!;
    },

    async start(): Promise<{ db: TestDatabase; engine: Engine; app: ReturnType<typeof createApp> }> {
      expect([...fulfillment.issues, ...books.issues]).toEqual([]);
      server.listen({ onUnhandledRequest: 'error' });
      db = await createTestDatabase();
      const { sql } = db;
      await syncConfig(sql, config, box);
      for (const part of options.parts) {
        const connector = connectorOf(part);
        const connection: Connection = {
          id: part.id,
          tenantId: 'acme',
          connector,
          settings: connector.settings.parse(part.settings),
          secrets: connector.secrets.parse(part.secrets),
        };
        const flow = connector.authorization;
        if (flow)
          connection.authorization = authorizedAccess({
            sql,
            box,
            connectionId: part.id,
            refresh: (token, signal) => flow.refresh(connectionContext(connection), token, signal),
          });
        connections.set(part.id, connection);
      }
      engine = await startDbosEngine({
        databaseUrl: db.url,
        executorId: 'books-e2e',
        applicationVersion: 'test',
        workflows: [
          orderWorkflow({ sql, connections, plan: (o) => fulfillment.plans.get(o.source.connectionId) }),
          booksPostingWorkflow({ sql, connections, plans: books.plans }),
          booksDayWorkflow({ sql, connections, plans: books.plans }),
        ],
        log: () => {},
      });
      const everyMs = 50;
      if (fulfillment.plans.size)
        loops.push(
          startOrderDispatcher({ sql, engine, managed: [...fulfillment.plans.keys()], log: quiet, everyMs }),
        );
      loops.push(
        startSignalDispatcher({ sql, engine, connections, log: quiet, everyMs }),
        startBooksDispatcher({ sql, engine, plans: books.plans, log: quiet, everyMs }),
        startDayStarter({ sql, engine, plans: books.plans, log: quiet, everyMs, now: () => clock.now }),
        startBooksWatcher({
          sql,
          engine,
          connections,
          books: [...new Set([...books.plans.values()].map((p) => p.books))],
          log: quiet,
          everyMs,
        }),
      );
      // Orders imported before the dispatchers' first turn are history: wait for them before any is imported.
      await eventually(
        'accounting activated',
        async () => (await sql`select 1 from books_activation`).length > 0,
      );
      if (fulfillment.plans.size)
        await eventually(
          'fulfillment activated',
          async () => (await sql`select 1 from fulfillment_activation`).length > 0,
        );
      const app = createApp({ sql, intake: new IntakeQueue(sql), connections, config, box }, silentLogger);
      return { db, engine, app };
    },

    /**
     * Authorizes a books connection the way a merchant does: the hub's consent link (as the CLI prints it),
     * followed to the vendor's page, which sends the browser back to the hub's callback with a code.
     */
    async authorize(connectionId: string): Promise<string> {
      const hub = { sql: db!.sql, connections, config, box };
      const started = await beginAuthorization(
        { hub, by: { actor: 'test', name: 'test', tenantId: 'acme', role: 'admin' } },
        connectionId,
        { fallbackBase: 'http://hub.test' },
      );
      const consent = await fetch(started.url, { redirect: 'manual' });
      const back = new URL(consent.headers.get('location') ?? '');
      expect(`${back.origin}${back.pathname}`).toBe(started.redirectUri);
      const outcome = await completeAuthorization(hub, Object.fromEntries(back.searchParams));
      expect(outcome).toMatchObject({ ok: true, connectionId });
      return outcome.message;
    },

    async stop(): Promise<void> {
      for (const loop of loops) await loop.stop();
      await engine?.stop();
      server.close();
      await db?.drop();
    },
  };
}
