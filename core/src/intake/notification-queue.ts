import type { Sql } from 'postgres';
import { authModeOf, type InboundRequest } from '../connector/index.ts';
import { type Loop, startLoop } from '../loop.ts';
import { type Connection, connectionContext } from './connection.ts';
import type { IntakeOutcome } from './outcome.ts';
import { prepare } from './prepare.ts';
import { store } from './store.ts';

/** What one read of a connection's queue did. */
export interface QueueReadReport {
  /** Messages read. */
  read: number;
  /** Stored (new or duplicate), then acknowledged. */
  stored: IntakeOutcome[];
  /** Refused by `verify` (not for this connection), acknowledged so they are not read again, with why. */
  refused: string[];
}

/**
 * Reads one batch of a `queue` connection's notifications, verifies each message's own claims, stores each
 * through the intake (a thin one with its hydration) and only then acknowledges them: a crash before the
 * acknowledgment makes the queue deliver them again, and the inbox's dedupe key makes that a no-op.
 */
export async function readNotificationQueue(
  sql: Sql,
  connection: Connection,
  signal: AbortSignal,
  now: () => Date = () => new Date(),
): Promise<QueueReadReport> {
  const webhook = connection.connector.webhook;
  if (!webhook?.queue || authModeOf(webhook) !== 'queue') {
    throw new Error(`connection "${connection.id}" (${connection.connector.id}) reads no notification queue`);
  }
  const context = connectionContext(connection, now);
  const messages = await webhook.queue.receive(context, signal);
  const report: QueueReadReport = { read: messages.length, stored: [], refused: [] };
  for (const message of messages) {
    const request: InboundRequest = {
      method: 'QUEUE',
      path: `/queue/${connection.id}`,
      headers: { 'content-type': message.contentType, ...message.headers },
      body: message.body,
      contentType: message.contentType,
      receivedAt: now(),
    };
    const verdict = webhook.verify(request, context);
    if (verdict.ok) report.stored.push(await store(sql, prepare(connection, request, now)));
    else report.refused.push(verdict.reason);
  }
  if (messages.length) {
    await webhook.queue.acknowledge(
      context,
      messages.map((m) => m.receipt),
      signal,
    );
  }
  return report;
}

/**
 * Polls the queue of every `queue` connection, one loop each, reading again at once while messages keep coming.
 * `onStored` is told after each batch is stored (the hub nudges its hydrator).
 */
export function startNotificationQueues(options: {
  sql: Sql;
  connections: ReadonlyMap<string, Connection>;
  everyMs?: number;
  onStored?: (connection: Connection, report: QueueReadReport) => void;
  onError: (error: unknown, connection: Connection) => void;
}): { stop(): Promise<void> } {
  const loops: Loop[] = [];
  for (const connection of options.connections.values()) {
    const webhook = connection.connector.webhook;
    if (!webhook || authModeOf(webhook) !== 'queue') continue;
    loops.push(
      startLoop({
        everyMs: options.everyMs ?? 5_000,
        async turn(signal) {
          const report = await readNotificationQueue(options.sql, connection, signal);
          if (!report.read) return;
          options.onStored?.(connection, report);
          return 'again';
        },
        onError: (error) => options.onError(error, connection),
      }),
    );
  }
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
