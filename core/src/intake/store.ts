import type { Sql } from 'postgres';
import type { InboundRequest } from '../connector/index.ts';
import { describeError } from '../errors.ts';
import type { OrderDraft } from '../order.ts';
import { recordException, supersedeExceptions } from '../store/exceptions.ts';
import { recordHydration } from '../store/hydrations.ts';
import { storeDelivery } from '../store/inbox.ts';
import { type ApplyResult, applyOrder } from '../store/orders.ts';
import { type Connection, sourceOf } from './connection.ts';
import { isConflict, isTransientDbError } from './database-errors.ts';
import { type Failure, failureOf, type IntakeOutcome } from './outcome.ts';
import { bodyKey, type PreparedDelivery, prepare } from './prepare.ts';

/** Creates or updates the orders of one delivery, one by one, inside the caller's transaction. */
export async function applyDrafts(tx: Sql, connection: Connection, drafts: OrderDraft[], inboxId: string) {
  const source = sourceOf(connection);
  const results: ApplyResult[] = [];
  for (const draft of drafts) results.push(await applyOrder(tx, source, draft, inboxId));
  return results;
}

/**
 * Stores one prepared delivery in its own transaction: the raw payload exactly once
 * under its dedupe key, and what it maps to. When normalization or the order update
 * fails, the raw payload is stored with an open exception instead, so nothing
 * accepted is lost. Throws only on database trouble (the caller answers 503 and the
 * sender retries). IntakeQueue batches deliveries and falls back to this.
 */
export async function store(sql: Sql, delivery: PreparedDelivery): Promise<IntakeOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await storeOnce(sql, delivery);
    } catch (error) {
      // Lost a race with a concurrent writer: run it again.
      if (isConflict(error) && attempt < 5) continue;
      throw error;
    }
  }
}

async function storeOnce(sql: Sql, delivery: PreparedDelivery): Promise<IntakeOutcome> {
  const { connection, entry, normalized } = delivery;
  const { dedupeKey } = entry;
  let failure: Failure;
  if (normalized.ok) {
    const { drafts } = normalized;
    try {
      return await sql.begin(async (tx): Promise<IntakeOutcome> => {
        const stored = await storeDelivery(tx, { ...entry, status: drafts.length ? 'processed' : 'ignored' });
        if (!stored) return { status: 'duplicate', dedupeKey };
        const inboxId = stored.id;
        await supersedeExceptions(tx, stored.supersedes, inboxId);
        // A thin notification: what to fetch after the answer commits with it, so a crash loses none (hydrate.ts).
        if (delivery.hydration) await recordHydration(tx, inboxId, delivery.hydration);
        if (!drafts.length)
          return { status: 'ignored', inboxId, reason: normalized.ignored ?? 'no orders in payload' };
        return {
          status: 'accepted',
          inboxId,
          orders: await applyDrafts(tx as unknown as Sql, connection, drafts, inboxId),
        };
      });
    } catch (error) {
      if (isTransientDbError(error)) throw error;
      failure = failureOf(error, drafts);
    }
  } else {
    failure = { kind: 'normalize', message: normalized.message, detail: normalized.detail };
  }
  const keep = (dedupeKey: string, why: Failure) =>
    sql.begin(async (tx): Promise<IntakeOutcome> => {
      const stored = await storeDelivery(tx, { ...entry, dedupeKey, status: 'failed' });
      if (!stored) return { status: 'duplicate', dedupeKey };
      const inboxId = stored.id;
      await supersedeExceptions(tx, stored.supersedes, inboxId);
      const exceptionId = await recordException(tx, {
        tenantId: connection.tenantId,
        connectionId: connection.id,
        inboxId,
        ...why,
      });
      return { status: 'exception', inboxId, exceptionId, message: why.message };
    });
  try {
    return await keep(dedupeKey, failure);
  } catch (error) {
    if (isTransientDbError(error)) throw error;
    // The database refused even the raw payload under its key (a key or message it cannot index or store):
    // keep the bytes under their hash, with a reason that is plain text.
    return keep(bodyKey(entry.body), {
      kind: failure.kind,
      message: `stored under the hash of its body: the database refused it as sent (${describeError(error)}); first failure: ${failure.message}`,
      detail: { stage: 'store', code: (error as { code?: unknown }).code ?? null },
    });
  }
}

/** Prepares and stores one delivery (no batching). */
export async function receive(
  sql: Sql,
  connection: Connection,
  request: InboundRequest,
  now: () => Date = () => new Date(),
): Promise<IntakeOutcome> {
  return store(sql, prepare(connection, request, now));
}
