import { createHash } from 'node:crypto';
import type { Sql } from 'postgres';
import type { AnyConnector, InboundRequest, StoredPayload } from './connector.ts';
import { describeError, HubError } from './errors.ts';
import { checkTotals, isWellFormed, OrderDraft } from './order.ts';
import { getException, markReplayed, recordException, supersedeExceptions } from './store/exceptions.ts';
import { getInboxEntry, type NewInboxEntry, setInboxStatus, storeDelivery } from './store/inbox.ts';
import { type ApplyResult, applyOrder, type OrderSource } from './store/orders.ts';

/** A configured connection at run time: its connector and its parsed settings and secrets. */
export interface Connection {
  id: string;
  tenantId: string;
  connector: AnyConnector;
  settings: unknown;
  secrets: unknown;
}

export type IntakeOutcome =
  | { status: 'accepted'; inboxId: string; orders: ApplyResult[] }
  | { status: 'ignored'; inboxId: string; reason: string }
  | { status: 'duplicate'; dedupeKey: string }
  | { status: 'exception'; inboxId: string; exceptionId: string; message: string };

export type Normalized =
  | { ok: true; drafts: OrderDraft[]; ignored?: string }
  | { ok: false; message: string; detail: Record<string, unknown> };

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A dedupe key as stored, one per distinct key: keys too long for the unique index, or holding a NUL that
 * PostgreSQL text refuses, are replaced by their hash (never truncated: two keys sharing a prefix must stay
 * distinct). A key holding a lone surrogate is hashed over its UTF-16 code units: as UTF-8 (what PostgreSQL and
 * a plain hash would take) every lone surrogate becomes U+FFFD, and two keys would become one.
 */
export function storableKey(key: string | undefined): string | undefined {
  if (key === undefined || key === '') return undefined;
  if (!isWellFormed(key)) return `key-utf16-sha256:${sha256(Buffer.from(key, 'utf16le'))}`;
  return key.length > 200 || key.includes('\u0000') ? `key-sha256:${sha256(key)}` : key;
}

/** Headers never stored: credentials a sender may attach. */
const UNSTORED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** What a connector's methods receive about the connection they act for. */
export function connectionContext(connection: Connection, now: () => Date = () => new Date()) {
  return {
    tenantId: connection.tenantId,
    connectionId: connection.id,
    settings: connection.settings,
    secrets: connection.secrets,
    now,
  };
}

/** Runs the connector's normalization and checks its output; never throws. */
export function normalize(
  connection: Connection,
  payload: StoredPayload,
  now: () => Date = () => new Date(),
): Normalized {
  let result: ReturnType<AnyConnector['normalize']>;
  try {
    result = connection.connector.normalize(payload, connectionContext(connection, now));
  } catch (error) {
    return { ok: false, message: describeError(error), detail: { stage: 'normalize' } };
  }
  const drafts: OrderDraft[] = [];
  const problems: string[] = [];
  try {
    result.orders.forEach((input, i) => {
      const parsed = OrderDraft.safeParse(input);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push(`orders[${i}].${issue.path.join('.')}: ${issue.message}`);
        }
        return;
      }
      for (const p of checkTotals(parsed.data))
        problems.push(`orders[${i}] (${parsed.data.externalId}): ${p}`);
      drafts.push(parsed.data);
    });
  } catch (error) {
    problems.push(`the ${connection.connector.id} output could not be checked: ${describeError(error)}`);
  }
  if (problems.length) {
    return {
      ok: false,
      message: `the ${connection.connector.id} payload maps to an invalid canonical order: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
      detail: { stage: 'validate', problems },
    };
  }
  return result.ignored !== undefined && drafts.length === 0
    ? { ok: true, drafts, ignored: result.ignored }
    : { ok: true, drafts };
}

const TRANSIENT_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
]);

/** Deadlock or serialization failure: the transaction lost a race and can simply run again. */
export function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Database trouble that a retry may cure (connection lost, serialization failure,
 * server shutting down): the caller answers 503 so the sender retries. Anything
 * else thrown while applying an order is a refusal of that order, recorded as an
 * exception with its input.
 */
export function isTransientDbError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return TRANSIENT_CODES.has(code) || /^(08|40|53|57)/.test(code);
}

export function sourceOf(connection: Connection): OrderSource {
  return { tenantId: connection.tenantId, connectionId: connection.id, connector: connection.connector.id };
}

async function applyDrafts(tx: Sql, connection: Connection, drafts: OrderDraft[], inboxId: string) {
  const source = sourceOf(connection);
  const results: ApplyResult[] = [];
  for (const draft of drafts) results.push(await applyOrder(tx, source, draft, inboxId));
  return results;
}

function failureOf(error: unknown, drafts: OrderDraft[]) {
  return {
    kind: 'order',
    message: `order ${drafts.map((d) => d.externalId).join(', ')} was refused: ${describeError(error)}`,
    detail: { stage: 'apply', error: describeError(error) },
  };
}

/** A verified delivery, keyed and normalized in memory, ready to be stored. */
export interface PreparedDelivery {
  connection: Connection;
  entry: Omit<NewInboxEntry, 'status'>;
  normalized: Normalized;
}

/** Computes the dedupe key, strips credential headers and normalizes: pure, no I/O. */
export function prepare(
  connection: Connection,
  request: InboundRequest,
  now: () => Date = () => new Date(),
  /** For pulled records: the key the connector gave; webhooks leave it to the connector's dedupeKey. */
  dedupeKey?: string,
): PreparedDelivery {
  let key = dedupeKey;
  try {
    key ??= connection.connector.webhook?.dedupeKey(request, connectionContext(connection, now));
  } catch {
    key = undefined;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!UNSTORED_HEADERS.has(name)) headers[name] = value;
  }
  return {
    connection,
    entry: {
      tenantId: connection.tenantId,
      connectionId: connection.id,
      dedupeKey: storableKey(key) ?? `body-sha256:${sha256(request.body)}`,
      receivedAt: request.receivedAt,
      method: request.method,
      path: request.path,
      headers,
      contentType: request.contentType,
      body: request.body,
    },
    normalized: normalize(connection, request, now),
  };
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
  let failure: { kind: string; message: string; detail: Record<string, unknown> };
  if (normalized.ok) {
    const { drafts } = normalized;
    try {
      return await sql.begin(async (tx): Promise<IntakeOutcome> => {
        const stored = await storeDelivery(tx, { ...entry, status: drafts.length ? 'processed' : 'ignored' });
        if (!stored) return { status: 'duplicate', dedupeKey };
        const inboxId = stored.id;
        await supersedeExceptions(tx, stored.supersedes, inboxId);
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
  const keep = (dedupeKey: string, why: typeof failure) =>
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
    return keep(`body-sha256:${sha256(entry.body)}`, {
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

export type ReplayOutcome =
  | { status: 'resolved'; exceptionId: string; orders: ApplyResult[]; ignored?: string }
  | { status: 'failed'; exceptionId: string; message: string };

/**
 * Runs an exception's stored input through today's connector and mappings again.
 * On success the exception is resolved; on failure it stays open with the new
 * reason. Either way its replay count goes up.
 */
export async function replay(
  sql: Sql,
  tenantId: string,
  exceptionId: string,
  connections: ReadonlyMap<string, Connection>,
  now: () => Date = () => new Date(),
): Promise<ReplayOutcome> {
  const exception = await getException(sql, tenantId, exceptionId);
  const notFound = () =>
    new HubError({
      type: 'exception-not-found',
      title: 'No such exception',
      status: 404,
      detail: `tenant ${tenantId} has no exception ${exceptionId}`,
      fix: 'list them with: switchyard exceptions list',
    });
  if (!exception) throw notFound();
  if (exception.status !== 'open') {
    const by = (exception.detail.supersededBy as { inboxId?: string } | undefined)?.inboxId;
    throw new HubError({
      type: 'exception-resolved',
      title: 'Exception already resolved',
      status: 409,
      detail: by
        ? `exception ${exceptionId} was superseded at ${exception.resolvedAt} by a corrected delivery of the same payload (inbox ${by}), which is what counts now`
        : `exception ${exceptionId} was resolved at ${exception.resolvedAt}`,
      fix: 'nothing to do; open exceptions are listed by: switchyard exceptions list',
    });
  }
  const entry = exception.inboxId ? await getInboxEntry(sql, exception.inboxId) : undefined;
  if (!entry) {
    throw new HubError({
      type: 'exception-no-input',
      title: 'Exception has no stored input',
      status: 409,
      detail: `exception ${exceptionId} has no stored input to replay`,
      fix: 'resolve the cause at its source',
    });
  }
  const connection = connections.get(entry.connectionId);
  if (!connection) {
    throw new HubError({
      type: 'connection-not-configured',
      title: 'Connection not configured',
      status: 409,
      detail: `the input of ${exceptionId} came through connection "${entry.connectionId}", which is not in the config`,
      fix: 'add the connection back to switchyard.config.ts, then replay',
    });
  }

  const normalized = normalize(connection, entry, now);
  let failure: { kind: string; message: string; detail: Record<string, unknown> };
  if (normalized.ok) {
    try {
      return await sql.begin(async (tx): Promise<ReplayOutcome> => {
        const locked = await getException(tx, tenantId, exceptionId, true);
        if (locked?.status !== 'open') throw notFound();
        const orders = await applyDrafts(tx as unknown as Sql, connection, normalized.drafts, entry.id);
        await setInboxStatus(tx, entry.id, normalized.drafts.length ? 'processed' : 'ignored');
        await markReplayed(tx, exceptionId, { resolved: true });
        return normalized.ignored !== undefined
          ? { status: 'resolved', exceptionId, orders, ignored: normalized.ignored }
          : { status: 'resolved', exceptionId, orders };
      });
    } catch (error) {
      if (isTransientDbError(error) || error instanceof HubError) throw error;
      failure = failureOf(error, normalized.drafts);
    }
  } else {
    failure = { kind: 'normalize', message: normalized.message, detail: normalized.detail };
  }
  await sql.begin(async (tx) => {
    await recordException(tx, { tenantId, connectionId: connection.id, inboxId: entry.id, ...failure });
    await markReplayed(tx, exceptionId, { resolved: false });
  });
  return { status: 'failed', exceptionId, message: failure.message };
}
