import { type InboundRequest, storableHeaders } from '../connector/index.ts';
import type { Sql } from '../store/db.ts';
import { supersedeExceptions } from '../store/exceptions.ts';
import { type NewInboxEntry, storeDelivery, storeReceived } from '../store/inbox.ts';
import { type Connection, connectionContext } from './connection.ts';
import { isConflict, isTransientDbError } from './database-errors.ts';
import type { IntakeOutcome } from './outcome.ts';
import { bodyKey, storableKey } from './prepare.ts';
import type { IntakeQueue } from './queue.ts';

/** A delivery stored raw, answered before it is normalized: where to look for what it became. */
export interface ReceivedOutcome {
  status: 'received';
  inboxId: string;
}

/** What the deferred intake answers: received, a duplicate, or (thin notifications) what the queue answers. */
export type DeferredOutcome = ReceivedOutcome | IntakeOutcome;

type RawEntry = Omit<NewInboxEntry, 'status' | 'revisionOf'>;

interface Waiting {
  entry: RawEntry;
  resolve(outcome: DeferredOutcome): void;
  reject(error: unknown): void;
}

/** The dedupe key and the headers as stored, as `prepare` gives them, without normalizing. */
export function rawEntry(
  connection: Connection,
  request: InboundRequest,
  now: () => Date = () => new Date(),
): RawEntry {
  let key: string | undefined;
  try {
    key = connection.connector.webhook?.dedupeKey(request, connectionContext(connection, now));
  } catch {
    key = undefined;
  }
  return {
    tenantId: connection.tenantId,
    connectionId: connection.id,
    dedupeKey: storableKey(key) ?? bodyKey(request.body),
    receivedAt: request.receivedAt,
    method: request.method,
    path: request.path,
    headers: storableHeaders(request.headers, connection.connector.webhook?.credentialHeaders),
    contentType: request.contentType,
    body: request.body,
  };
}

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
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #waiting: Waiting[] = [];
  #writing = 0;

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
    this.#maxBatch = options.maxBatch ?? 256;
    this.#concurrency = options.concurrency ?? 4;
  }

  receive(
    connection: Connection,
    request: InboundRequest,
    now: () => Date = () => new Date(),
  ): Promise<DeferredOutcome> {
    if (connection.connector.webhook?.hydrate) return this.#queue.receive(connection, request, now);
    const entry = rawEntry(connection, request, now);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ entry, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#writing < this.#concurrency && this.#waiting.length) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#writing++;
      void this.#write(batch).finally(() => {
        this.#writing--;
        this.#pump();
      });
    }
  }

  async #write(batch: Waiting[]): Promise<void> {
    let stored: { id: string | null; recheck: boolean }[];
    try {
      stored = await storeReceived(
        this.#sql,
        batch.map((b) => b.entry),
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
      else if (!recheck) b.resolve({ status: 'duplicate', dedupeKey: b.entry.dedupeKey });
      else
        alone.push(
          receiveAlone(this.#sql, b.entry).then(
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
 * One delivery in its own transaction: stored raw, or as a revision of a failed delivery it corrects (whose
 * exceptions it supersedes, as the synchronous intake does), or a duplicate. A key or header the database
 * refuses is kept under the hash of the body, so nothing verified is lost.
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
