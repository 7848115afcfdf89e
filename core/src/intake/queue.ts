import type { InboundRequest } from '../connector/index.ts';
import type { Sql } from '../store/db.ts';
import { BATCH_REFUSED, RECHECK, writeBatch } from './batch.ts';
import type { Connection } from './connection.ts';
import { isConflict, isTransientDbError } from './database-errors.ts';
import { GroupCommit, type Pending } from './group-commit.ts';
import type { IntakeOutcome } from './outcome.ts';
import { type PreparedDelivery, prepare } from './prepare.ts';
import { store } from './store.ts';

type Waiting = Pending<PreparedDelivery, IntakeOutcome>;

/**
 * Group commit for the webhook intake. Concurrent deliveries are written together
 * in one transaction (multi-row inserts into inbox, orders, order_events,
 * exceptions), and each caller is answered only after that commit, with the same
 * outcome it would get alone. No delivery waits for a batch to fill: a batch forms
 * only from what arrived while earlier batches were being written.
 *
 * A batch handles deliveries that are new orders, ignored payloads and
 * normalization failures. Anything else (an update to an existing order, a
 * refused status change, a row the database rejects) undoes the batch, and each of
 * its deliveries goes through `store`, alone, so one delivery never fails another.
 */
export class IntakeQueue {
  readonly #sql: Sql;
  readonly #batches: GroupCommit<PreparedDelivery, IntakeOutcome>;
  readonly #stats = { deliveries: 0, batches: 0, fallbacks: 0, rejectedBatches: 0 };

  constructor(sql: Sql, options: { maxBatch?: number; concurrency?: number } = {}) {
    this.#sql = sql;
    this.#batches = new GroupCommit((batch) => this.#write(batch), {
      maxBatch: options.maxBatch ?? 128,
      concurrency: options.concurrency ?? 4,
    });
  }

  /** Deliveries taken, batches committed, batches redone one delivery at a time (of which rejected by the database). */
  stats(): { deliveries: number; batches: number; fallbacks: number; rejectedBatches: number } {
    return { ...this.#stats };
  }

  receive(
    connection: Connection,
    request: InboundRequest,
    now: () => Date = () => new Date(),
    dedupeKey?: string,
  ): Promise<IntakeOutcome> {
    this.#stats.deliveries++;
    return this.#batches.submit(prepare(connection, request, now, dedupeKey));
  }

  async #write(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await writeBatch(
        this.#sql,
        batch.map((b) => b.item),
      );
      this.#stats.batches++;
      const recheck: Waiting[] = [];
      for (const [i, b] of batch.entries()) {
        const outcome = outcomes[i]!;
        if (outcome === RECHECK) recheck.push(b);
        else b.resolve(outcome);
      }
      // Its key was taken by a delivery that failed, with other bytes: perhaps a corrected resend. `store`
      // tells, within this writer's slot (so the concurrency bound holds).
      await Promise.all(
        recheck.map((b) =>
          store(this.#sql, b.item).then(
            (outcome) => b.resolve(outcome),
            (error: unknown) => b.reject(error),
          ),
        ),
      );
      return;
    } catch (error) {
      // Connection trouble: nothing can be stored now, the senders retry (503). A deadlock or
      // serialization failure between concurrent writers is retried below, one delivery at a time.
      if (isTransientDbError(error) && !isConflict(error)) {
        for (const b of batch) b.reject(error);
        return;
      }
      // BATCH_REFUSED (an update in the batch) or a row the database rejected: one by one.
      if ((error as { code?: unknown }).code !== BATCH_REFUSED) this.#stats.rejectedBatches++;
      this.#stats.fallbacks++;
    }
    for (const b of batch) {
      try {
        b.resolve(await store(this.#sql, b.item));
      } catch (error) {
        b.reject(error);
      }
    }
  }
}
