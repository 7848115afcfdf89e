import { backoffMs, describeError, recordException, type Sql } from '@switchyard/core';
import type { EdiConnection } from './intake.ts';
import type { SftpTransport } from './sftp.ts';
import {
  claimQueued,
  markAttemptFailed,
  markSent,
  type StoredDocument,
  takeLate,
  takeOverdue,
} from './store.ts';

/**
 * The partners' outbox: every queued document (TA1, 997/999, 855, 856, 810) delivered through its partner's
 * transport — an HTTP POST to the partner's URL, or an SFTP upload (written under a temporary name, then
 * renamed) — retried with backoff, and after the last attempt an exception for a person. Documents are taken
 * with SKIP LOCKED, so several hub processes share the outbox without sending one document twice at once; a
 * crash between the send and its record sends it again, and the partner sees the same control numbers.
 */

export interface Transports {
  /** One SFTP client per partner, kept open between turns (the SSH library is loaded on first use). */
  sftp(connection: EdiConnection): Promise<SftpTransport>;
  close(): Promise<void>;
}

export function sftpTransports(): Transports {
  // The promise is kept, not the client: two callers at once get the same one (no second SSH connection).
  const open = new Map<string, Promise<SftpTransport>>();
  const create = async (connection: EdiConnection) => {
    const { SftpTransport } = await import('./sftp.ts');
    const tr = connection.settings.transport;
    if (tr.kind !== 'sftp') throw new Error(`partner ${connection.id} does not use SFTP`);
    const secrets = connection.secrets as Record<string, string>;
    return new SftpTransport({
      host: tr.host,
      port: tr.port,
      username: tr.username,
      ...(tr.passwordSecret ? { password: secrets[tr.passwordSecret] } : {}),
      ...(tr.privateKeySecret ? { privateKey: secrets[tr.privateKeySecret] } : {}),
      ...(tr.passphraseSecret ? { passphrase: secrets[tr.passphraseSecret] } : {}),
      hostKeySha256: tr.hostKeySha256,
      inboxDir: tr.inboxDir,
      ...(tr.archiveDir ? { archiveDir: tr.archiveDir } : {}),
      outboxDir: tr.outboxDir,
    });
  };
  return {
    sftp(connection) {
      let t = open.get(connection.id);
      if (!t) {
        t = create(connection);
        open.set(connection.id, t);
        t.catch(() => open.delete(connection.id));
      }
      return t;
    },
    async close() {
      const all = [...open.values()];
      open.clear();
      await Promise.allSettled(all.map(async (t) => (await t).close()));
    },
  };
}

/** Attempts before a document becomes an exception: with the backoff below, about a day of trying. */
export const MAX_ATTEMPTS = 20;

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

/** Delivers what is due, a batch at a time: claimed in a short transaction, each sent and recorded on its own. */
export async function deliverQueued(
  sql: Sql,
  connections: ReadonlyMap<string, EdiConnection>,
  transports: Transports,
  options: { batch?: number; log?: (message: string, fields: Record<string, unknown>) => void } = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  // The lease outlasts the slowest send of the batch (each send has its own timeout).
  const docs = await claimQueued(sql, options.batch ?? 20, 15 * 60_000);
  for (const doc of docs) {
    const connection = connections.get(doc.connectionId);
    try {
      if (!connection) throw new Error(`partner ${doc.connectionId} is not configured`);
      await deliver(connection, doc, transports);
    } catch (error) {
      const message = describeError(error);
      const last = doc.attempts + 1 >= MAX_ATTEMPTS || !connection;
      options.log?.('edi delivery failed', {
        partner: doc.connectionId,
        document: doc.id,
        kind: doc.kind,
        error: message,
      });
      await sql.begin(async (t) => {
        const tx = t as unknown as Sql;
        await markAttemptFailed(
          tx,
          doc.id,
          message,
          last ? null : backoffMs(doc.attempts + 1, { baseMs: 2_000, maxMs: 3_600_000, jitter: 'equal' }),
        );
        if (!last) return;
        await recordException(tx, {
          tenantId: connection?.tenantId ?? (await tenantOf(tx, doc.id)),
          connectionId: doc.connectionId,
          inboxId: null,
          kind: 'edi-delivery',
          message: `the ${doc.kind} (ISA ${doc.isaControl}) could not be delivered to partner ${doc.connectionId} after ${doc.attempts + 1} attempts: ${message}`,
          detail: { documentId: doc.id, fix: `fix the transport, then: switchyard edi resend ${doc.id}` },
        });
      });
      if (last) report.failed++;
      else report.retrying++;
      continue;
    }
    // Sent: recorded at once, on its own, so nothing else that fails can make it go out again.
    await markSent(
      sql,
      doc.id,
      doc.ackStatus === 'awaiting' ? connection.settings.acknowledgments.expectWithinHours : undefined,
    );
    report.sent++;
  }
  return report;
}

async function tenantOf(tx: Sql, id: string): Promise<string> {
  const [row] = await tx<{ tenant_id: string }[]>`select tenant_id from edi_documents where id = ${id}`;
  return row!.tenant_id;
}

async function deliver(
  connection: EdiConnection,
  doc: StoredDocument,
  transports: Transports,
): Promise<void> {
  const transport = connection.settings.transport;
  const name = `${doc.kind}_${doc.isaControl}.x12`;
  if (transport.kind === 'sftp') {
    await (await transports.sftp(connection)).upload(name, doc.body);
    return;
  }
  const secrets = connection.secrets as Record<string, string>;
  const token = transport.tokenSecret ? secrets[transport.tokenSecret] : undefined;
  const response = await fetch(transport.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/edi-x12',
      'idempotency-key': `switchyard-edi-${connection.id}-${doc.id}`,
      'x-switchyard-document': name,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: doc.body,
    signal: AbortSignal.timeout(transport.timeoutMs),
  }).catch((error: Error & { cause?: { code?: string; message?: string } }) => {
    // fetch says only "fetch failed"; the reason is its cause (ECONNREFUSED, a TLS error, the timeout).
    const why =
      error.name === 'TimeoutError'
        ? `no answer within ${transport.timeoutMs} ms`
        : (error.cause?.code ?? error.cause?.message ?? error.message);
    throw new Error(`could not reach ${new URL(transport.url).origin}: ${why}`);
  });
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 300);
    throw new Error(`partner answered ${response.status}${text ? `: ${text}` : ''}`);
  }
  await response.body?.cancel().catch(() => undefined);
}

/**
 * Business documents the partner has not acknowledged in time, and orders whose 855 was not sent in time: each
 * becomes one exception. Returns how many.
 */
export async function sweepOverdue(sql: Sql): Promise<number> {
  return sql.begin(async (t) => {
    const tx = t as unknown as Sql;
    const overdue = await takeOverdue(tx);
    for (const doc of overdue) {
      await recordException(tx, {
        tenantId: doc.tenantId,
        connectionId: doc.connectionId,
        inboxId: null,
        kind: 'edi-unacknowledged',
        message: `partner ${doc.connectionId} has not acknowledged our ${doc.kind} (ISA ${doc.isaControl}, GS ${doc.gsControl}, ST ${doc.stControl}) sent ${doc.sentAt?.toISOString()}: ask them for their 997, or resend it`,
        detail: { documentId: doc.id, orderId: doc.orderId },
      });
    }
    // The partner's 855 is due within `documents.855.hours` of its 850: an order still without one is late.
    const late = await takeLate(tx);
    for (const o of late) {
      await recordException(tx, {
        tenantId: o.tenantId,
        connectionId: o.connectionId,
        inboxId: null,
        kind: 'edi-late',
        message: `partner ${o.connectionId} expected the ${o.kind} for ${o.externalId} by ${o.dueAt.toISOString()}, and none was sent: see the order's workflow (switchyard orders show ${o.orderId})`,
        detail: { orderId: o.orderId, document: o.kind },
      });
    }
    return overdue.length + late.length;
  });
}
