import type { InboundRequest } from '../connector/index.ts';
import type { Sql } from '../store/db.ts';
import { supersedeExceptions } from '../store/exceptions.ts';
import { type NewInboxEntry, storeDelivery, storeReceived } from '../store/inbox.ts';
import type { Connection } from './connection.ts';
import { isConflict, isTransientDbError } from './database-errors.ts';
import { GroupCommit, type Pending } from './group-commit.ts';
import type { IntakeOutcome } from './outcome.ts';
import { bodyKey, inboxEntry } from './prepare.ts';
import type { IntakeQueue } from './queue.ts';

/** A delivery stored raw, answered before it is normalized: where to look for what it became. */
export interface ReceivedOutcome {
  status: 'received';
  inboxId: string;
}

/** What the deferred intake answers: received, a duplicate, or (thin notifications) what the queue answers. */
export type DeferredOutcome = ReceivedOutcome | IntakeOutcome;

type RawEntry = Omit<NewInboxEntry, 'status' | 'revisionOf'>;

type Waiting = Pending<RawEntry, DeferredOutcome>;

/**
 * The deferred intake (`server.intake: 'deferred'`): a verified delivery is stored raw, as `received`, under its
 * dedupe key, and answered once that commits; the normalizer (normalizer.ts) turns it into orders or an
 * exception right behind the answer, exactly once. Concurrent deliveries are committed together, one statement
 * per batch, as the synchronous queue does; a batch forms only from what arrived while earlier ones were written.
 *
 * Thin notifications (connectors with `webhook.hydrate`) go through the synchronous queue: they carry no order,
 * and their hydration is stored in the same transaction as they are.
 */
export class DeferredIntake {
  readonly #sql: Sql;
  readonly #queue: IntakeQueue;
  readonly #onStored: () => void;
  readonly #batches: GroupCommit<RawEntry, DeferredOutcome>;

  constructor(
    sql: Sql,
    options: {
      /** Where thin notifications go. */
      queue: IntakeQueue;
      /** Called after a batch of received deliveries committed: the normalizer's nudge. */
      onStored?: () => void;
      maxBatch?: number;
      concurrency?: number;
    },
  ) {
    this.#sql = sql;
    this.#queue = options.queue;
    this.#onStored = options.onStored ?? (() => {});
    this.#batches = new GroupCommit((batch) => this.#write(batch), {
      maxBatch: options.maxBatch ?? 256,
      concurrency: options.concurrency ?? 4,
    });
  }

  receive(
    connection: Connection,
    request: InboundRequest,
    now: () => Date = () => new Date(),
  ): Promise<DeferredOutcome> {
    if (connection.connector.webhook?.hydrate) return this.#queue.receive(connection, request, now);
    return this.#batches.submit(inboxEntry(connection, request, now));
  }

  async #write(batch: Waiting[]): Promise<void> {
    let stored: { id: string | null; recheck: boolean }[];
    try {
      stored = await storeReceived(
        this.#sql,
        batch.map((b) => b.item),
      );
    } catch (error) {
      // Connection trouble: nothing can be stored now, the senders retry (503).
      if (isTransientDbError(error) && !isConflict(error)) {
        for (const b of batch) b.reject(error);
        return;
      }
      // A row the database refused (or a lost race): each delivery alone, so one never fails another.
      stored = batch.map(() => ({ id: null, recheck: true }));
    }
    // Each delivery stored alone says whether it was stored (a corrected resend is), so the normalizer is nudged.
    const alone: Promise<boolean>[] = [];
    for (const [i, b] of batch.entries()) {
      const { id, recheck } = stored[i]!;
      if (id) b.resolve({ status: 'received', inboxId: id });
      else if (!recheck) b.resolve({ status: 'duplicate', dedupeKey: b.item.dedupeKey });
      else
        alone.push(
          receiveAlone(this.#sql, b.item).then(
            (outcome) => {
              b.resolve(outcome);
              return outcome.status === 'received';
            },
            (error) => {
              b.reject(error);
              return false;
            },
          ),
        );
    }
    const storedAlone = await Promise.all(alone);
    if (stored.some((s) => s.id) || storedAlone.includes(true)) this.#onStored();
  }
}

/**
 * One delivery in its own transaction: stored raw, or as a revision of a delivery it corrects (whose exceptions
 * it supersedes, as the synchronous intake does), or a duplicate. The corrected one may also be a delivery still
 * received: the normalizer then sets that one aside and imports the revision (normalizer.ts), as the synchronous
 * intake would have failed the first and imported the second. A key or header the database refuses is kept
 * under the hash of the body, so nothing verified is lost.
 */
async function receiveAlone(sql: Sql, entry: RawEntry): Promise<DeferredOutcome> {
  const once = (e: RawEntry) =>
    sql.begin(async (tx): Promise<DeferredOutcome> => {
      const stored = await storeDelivery(tx, { ...e, status: 'received' });
      if (!stored) return { status: 'duplicate', dedupeKey: e.dedupeKey };
      await supersedeExceptions(tx, stored.supersedes, stored.id);
      return { status: 'received', inboxId: stored.id };
    });
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(entry);
    } catch (error) {
      if (isConflict(error) && attempt < 5) continue;
      if (isTransientDbError(error)) throw error;
      return once({ ...entry, dedupeKey: bodyKey(entry.body) });
    }
  }
}
