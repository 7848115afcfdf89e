import { createHash } from 'node:crypto';
import type { Sql } from 'postgres';
import { authModeOf, type InboundRequest } from '../connector/index.ts';
import { describeError } from '../errors.ts';
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
  /**
   * Refused (by `verify`: not for this connection; or its verify or normalization threw), with why. Never
   * acknowledged: on a queue shared by several subscriptions the message may be another connection's, so it is
   * left to the queue's visibility timeout and, if nobody takes it, its dead-letter queue.
   */
  refused: string[];
}

/**
 * Reads one batch of a `queue` connection's notifications, verifies each message's own claims, stores each
 * through the intake (a thin one with its hydration) and only then acknowledges those stored: a crash before the
 * acknowledgment makes the queue deliver them again, and the inbox's dedupe key makes that a no-op. A message
 * refused, or whose verify or normalization throws, is not acknowledged and does not hold up the others.
 * Throws on database trouble (nothing of the batch is acknowledged then; what was stored comes again as a duplicate).
 */
export async function readNotificationQueue(
  sql: Sql,
  connection: Connection,
  signal: AbortSignal,
  now: () => Date = () => new Date(),
  /** Told of each refused message (its body and why), e.g. to log it through a `RefusalLog`. */
  onRefused?: (body: Uint8Array, reason: string) => void,
): Promise<QueueReadReport> {
  const webhook = connection.connector.webhook;
  if (!webhook?.queue || authModeOf(webhook) !== 'queue') {
    throw new Error(`connection "${connection.id}" (${connection.connector.id}) reads no notification queue`);
  }
  const context = connectionContext(connection, now);
  const messages = await webhook.queue.receive(context, signal);
  const report: QueueReadReport = { read: messages.length, stored: [], refused: [] };
  const receipts: string[] = [];
  for (const message of messages) {
    const request: InboundRequest = {
      method: 'QUEUE',
      path: `/queue/${connection.id}`,
      headers: { 'content-type': message.contentType, ...message.headers },
      body: message.body,
      contentType: message.contentType,
      receivedAt: now(),
    };
    let prepared: ReturnType<typeof prepare>;
    try {
      const verdict = webhook.verify(request, context);
      if (!verdict.ok) {
        report.refused.push(verdict.reason);
        onRefused?.(message.body, verdict.reason);
        continue;
      }
      prepared = prepare(connection, request, now);
    } catch (error) {
      const reason = `the ${connection.connector.title} connector could not read this queue message: ${describeError(error)}`;
      report.refused.push(reason);
      onRefused?.(message.body, reason);
      continue;
    }
    // A store that throws is database trouble: the whole read fails, and the queue delivers the batch again.
    report.stored.push(await store(sql, prepared));
    receipts.push(message.receipt);
  }
  if (receipts.length) await webhook.queue.acknowledge(context, receipts, signal);
  return report;
}

/**
 * Whether a refused message was already reported: a refused message comes back after the queue's visibility
 * timeout, again and again until its dead-letter queue takes it, and the log should say so once, not each time.
 * Keyed by the message's body (its receipt changes on each delivery); forgets the oldest past `limit`.
 */
export class RefusalLog {
  readonly #seen = new Set<string>();
  constructor(readonly limit = 10_000) {}

  /** True the first time this refusal of this body is seen. */
  first(body: Uint8Array, reason: string): boolean {
    const id = `${createHash('sha256').update(body).digest('hex')}\u0000${reason}`;
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > this.limit) this.#seen.delete(this.#seen.values().next().value!);
    return true;
  }
}

/**
 * Polls the queue of every `queue` connection, one loop each, reading again at once while messages keep being
 * stored. `onStored` is told after each batch is stored (the hub nudges its hydrator); `onRefused` once per
 * refused message (and reason), however often the queue delivers it again.
 */
export function startNotificationQueues(options: {
  sql: Sql;
  connections: ReadonlyMap<string, Connection>;
  everyMs?: number;
  onStored?: (connection: Connection, report: QueueReadReport) => void;
  onRefused?: (connection: Connection, reason: string) => void;
  onError: (error: unknown, connection: Connection) => void;
}): { stop(): Promise<void> } {
  const loops: Loop[] = [];
  for (const connection of options.connections.values()) {
    const webhook = connection.connector.webhook;
    if (!webhook || authModeOf(webhook) !== 'queue') continue;
    const refusals = new RefusalLog();
    const onRefused = (body: Uint8Array, reason: string) => {
      if (refusals.first(body, reason)) options.onRefused?.(connection, reason);
    };
    loops.push(
      startLoop({
        everyMs: options.everyMs ?? 5_000,
        async turn(signal) {
          const report = await readNotificationQueue(options.sql, connection, signal, undefined, onRefused);
          if (!report.read) return;
          options.onStored?.(connection, report);
          // Only refusals: they stay on the queue until their visibility timeout, so read again at the next turn.
          return report.stored.length ? 'again' : undefined;
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
