import { createHash } from 'node:crypto';
import {
  applyOrder,
  bodyText,
  describeError,
  isTransientDbError,
  recordException,
  type Sql,
  sourceOf,
  storeRaw,
} from '@switchyard/core';
import { type AckKind, ackInterchange, acknowledges, partnerEnvelope } from './ack.ts';
import { describeNotX12, holdsIsa } from './content.ts';
import { InterchangeReader, type InterchangeResult } from './envelope.ts';
import { markDuplicate } from './inspect.ts';
import { checkedPurchaseOrder } from './normalize.ts';
import { type EdiConnection, type EdiFile, interchangeSummary, type Receipt } from './receipt.ts';

export type { EdiConnection, EdiFile, Receipt } from './receipt.ts';

import { matchAcknowledgment } from './partner-acks.ts';
import { X12Tokenizer } from './reader.ts';
import { rejection, single } from './set-words.ts';
import { readingFor } from './settings.ts';
import {
  earlierFile,
  envelopeScope,
  expectDocument,
  firstGroup,
  firstReceipt,
  insertDocument,
  nextNumber,
  recordInterchangeAck,
} from './store.ts';

/**
 * An EDI file from a partner, from its arrival (HTTP or SFTP) to its effects, in one transaction: the raw file
 * in the inbox first; each interchange judged on its own (envelope, duplicates within 30 days, every set);
 * a TA1 and one 997/999 per group queued for the partner with control numbers from its counters; each
 * accepted 850 an order, or an exception when the partner's tables cannot map it; each 997 from the partner
 * matched to what we sent. A failure past the raw store keeps the file with an open exception.
 */

/** The transaction's savepoints (postgres.js TransactionSql). */
interface Savepoints {
  savepoint<T>(fn: (sp: Sql) => Promise<T>): Promise<T>;
}

export const EDI_CONTENT_TYPE = 'application/edi-x12';

export async function receiveFile(
  sql: Sql,
  connection: EdiConnection,
  file: EdiFile,
  now: () => Date = () => new Date(),
): Promise<Receipt> {
  const dedupeKey = `edi-sha256:${createHash('sha256').update(file.body).digest('hex')}`;
  const entry = {
    tenantId: connection.tenantId,
    connectionId: connection.id,
    dedupeKey,
    receivedAt: file.receivedAt,
    method: file.via === 'http' ? 'POST' : 'SFTP',
    path: file.name,
    headers: file.headers ?? {},
    contentType: EDI_CONTENT_TYPE,
    body: file.body,
  };
  try {
    return await sql.begin(async (tx) => {
      const inboxId = await storeRaw(tx, { ...entry, status: 'processed' });
      if (!inboxId) return await duplicate(tx as unknown as Sql, connection, file, dedupeKey);
      return await process(tx as unknown as Sql, connection, file, inboxId, now());
    });
  } catch (error) {
    if (isTransientDbError(error)) throw error;
    return await sql.begin(async (tx) => {
      const inboxId = await storeRaw(tx, { ...entry, status: 'failed' });
      if (!inboxId) return emptyReceipt('duplicate');
      const exceptionId = await recordException(tx, {
        tenantId: connection.tenantId,
        connectionId: connection.id,
        inboxId,
        kind: 'edi',
        message: `EDI file ${file.name} could not be processed: ${describeError(error)}`,
        detail: { stage: 'edi-intake', via: file.via },
      });
      return { ...emptyReceipt('exception'), inboxId, exceptions: [exceptionId] };
    });
  }
}

/**
 * Bytes received before. A file with no interchange is still no X12 file the second time: its sender is told so
 * again, with the inbox entry and exception the first copy was given.
 */
async function duplicate(
  tx: Sql,
  connection: EdiConnection,
  file: EdiFile,
  dedupeKey: string,
): Promise<Receipt> {
  if (holdsIsa(bodyText(file.body))) return emptyReceipt('duplicate');
  const earlier = await earlierFile(tx, connection.id, dedupeKey);
  return {
    ...emptyReceipt('not-x12'),
    ...(earlier ? { inboxId: earlier.inboxId } : {}),
    exceptions: earlier?.exceptionId ? [earlier.exceptionId] : [],
    notX12: describeNotX12(file.body),
  };
}

function emptyReceipt(status: Receipt['status']): Receipt {
  return {
    status,
    interchanges: [],
    orders: [],
    exceptions: [],
    acknowledgments: [],
    acknowledged: [],
    problems: [],
  };
}

async function process(
  outer: Sql,
  connection: EdiConnection,
  file: EdiFile,
  inboxId: string,
  at: Date,
): Promise<Receipt> {
  // The queries below run in the savepoint of the interchange being processed (or the file's transaction).
  let tx = outer;
  const profile = connection.settings;
  const receipt: Receipt = { ...emptyReceipt('accepted'), inboxId };
  // The file is read a chunk at a time and each interchange processed as soon as the next one begins (or the
  // file ends): the parsed segments of one interchange are held at a time, not the whole file's.
  const text = bodyText(file.body);
  const reader = new InterchangeReader({ keep: () => true, ...readingFor(profile) });
  const tokenizer = new X12Tokenizer(reader.handle);
  const found = reader.result.interchanges;
  // An interchange's own text, from its ISA to the next one's: what its exception keeps.
  const ends = new Map<InterchangeResult, number | undefined>();
  const slice = (ic: InterchangeResult) => text.slice(ic.offset, ends.get(ic));
  const exception = async (
    kind: string,
    message: string,
    detail: Record<string, unknown>,
    derived?: string,
  ) => {
    let id = inboxId;
    if (derived !== undefined) {
      // One stored input per problem (a set, or an interchange), so each exception is its own and replays alone.
      const key = [detail.offset ?? detail.interchange, detail.group, detail.set]
        .filter((k) => k !== undefined)
        .join(':');
      id =
        (await storeRaw(tx, {
          tenantId: connection.tenantId,
          connectionId: connection.id,
          dedupeKey: `edi-set:${inboxId}:${key}`,
          receivedAt: file.receivedAt,
          method: 'DERIVED',
          path: `${file.name}#${key}`,
          headers: { 'x-switchyard-derived-from': inboxId },
          contentType: EDI_CONTENT_TYPE,
          body: new TextEncoder().encode(derived),
          status: 'failed',
        })) ?? inboxId;
    }
    receipt.exceptions.push(
      await recordException(tx, {
        tenantId: connection.tenantId,
        connectionId: connection.id,
        inboxId: id,
        kind,
        message,
        detail,
      }),
    );
  };
  const kind: AckKind = profile.acknowledgments.functional;
  const scope = envelopeScope(profile);
  const env = partnerEnvelope(profile, at);
  const queue = async (
    key: string,
    docKind: 'TA1' | AckKind,
    write: (n: { isa: string; gs?: string }) => string,
    gs: boolean,
  ) => {
    const isa = String(await nextNumber(tx, scope, 'isa'));
    const gsControl = gs ? String(await nextNumber(tx, scope, 'gs')) : undefined;
    const doc = await insertDocument(tx, {
      tenantId: connection.tenantId,
      connectionId: connection.id,
      idempotencyKey: key,
      kind: docKind,
      isaControl: isa.padStart(9, '0'),
      gsControl,
      stControl: gs ? '0001' : undefined,
      body: write({ isa, ...(gsControl ? { gs: gsControl } : {}) }),
      awaitAck: false,
    });
    receipt.acknowledgments.push(doc.id);
  };

  const one = async (ic: InterchangeResult) => {
    const where = { interchange: ic.control, sender: `${ic.sender.qualifier}/${ic.sender.id}` };
    for (const ta1 of ic.acknowledgments) {
      // The partner's TA1 for one of our interchanges: a rejection is that document's rejection.
      const docs = await recordInterchangeAck(tx, connection.id, ta1.control, ta1.status, ta1.note);
      for (const doc of docs)
        receipt.acknowledged.push({ documentId: doc.id, kind: doc.kind, status: doc.ackStatus ?? '' });
    }
    if (ic.ta1?.status !== 'R' && !ic.duplicate) {
      const first = await firstReceipt(tx, {
        connectionId: connection.id,
        sender: `${ic.sender.qualifier}/${ic.sender.id}`,
        receiver: `${ic.receiver.qualifier}/${ic.receiver.id}`,
        control: ic.control,
        inboxId,
        status: ic.ta1?.status ?? 'A',
      });
      if (!first) markDuplicate(ic, `was already received in the last 30 days`);
    }
    if (!ic.ta1 && profile.acknowledgments.ta1) ic.ta1 = { status: 'A', note: '000', message: 'no error' };
    if (ic.ta1) {
      await queue(
        `ta1:${inboxId}:${ic.offset}`,
        'TA1',
        (n) => ackInterchange(ic, { ta1: true }, n, env),
        false,
      );
    }
    if (ic.ta1?.status === 'R') {
      await exception(
        'edi-rejected',
        `interchange ${ic.control} from ${where.sender} was rejected (TA1 ${ic.ta1.note}): ${ic.ta1.message}`,
        {
          stage: 'edi-envelope',
          ...where,
          offset: ic.offset,
          note: ic.ta1.note,
          problems: ic.problems,
        },
        slice(ic),
      );
    }
    for (const [g, group] of ic.groups.entries()) {
      if (group.status !== 'R' && !(await firstGroup(tx, connection.id, group.sender, group.control))) {
        group.status = 'R';
        group.codes.push('19');
        group.problems.push(
          `functional group ${group.control} from ${group.sender} was already received in the last 30 days`,
        );
      }
      if (acknowledges(group)) {
        await queue(
          `ack:${inboxId}:${ic.offset}:${g}`,
          kind,
          (n) => ackInterchange(ic, { group }, { isa: n.isa, gs: n.gs!, st: '0001' }, env),
          true,
        );
      } else if (group.status !== 'R') {
        for (const set of group.sets)
          if (set.status !== 'R') await matchAcknowledgment(tx, connection, set, receipt);
      }
      for (const set of group.sets) {
        if (set.type !== '850' && group.status === 'R' && group.codes.length) {
          // A group refused as a whole (not from this partner, not for us, another version…): whatever it holds
          // is kept for a person, a partner's 997 included, which is never acknowledged back.
          await exception(
            'edi-rejected',
            `${set.type} ${set.control} in group ${group.control} from ${where.sender} was ${acknowledges(group) ? `rejected in our ${kind}` : 'not read'}: ${rejection(set, group)}`,
            {
              stage: 'edi-validate',
              ...where,
              group: group.control,
              set: set.control,
              type: set.type,
              groupCodes: group.codes,
              problems: [...set.problems, ...group.problems],
            },
            set.segments ? single(ic, group, set.segments) : undefined,
          );
          continue;
        }
        if (
          set.type !== '850' &&
          set.type !== '997' &&
          set.type !== '999' &&
          set.status !== 'R' &&
          group.status !== 'R'
        ) {
          // Accepted in its syntax (that is all a 997 says) but not something the hub acts on: a person must.
          await exception(
            'edi-unhandled',
            `partner ${connection.id} sent a ${set.type} (ST02 ${set.control}, group ${group.control}); the hub does not process ${set.type}s: handle it by hand`,
            { stage: 'edi-route', ...where, group: group.control, set: set.control, type: set.type },
            set.segments ? single(ic, group, set.segments) : undefined,
          );
          continue;
        }
        if (set.type !== '850') continue;
        const setWhere = { ...where, group: group.control, set: set.control };
        const derived = set.segments ? single(ic, group, set.segments) : undefined;
        if (set.status === 'R' || group.status === 'R') {
          await exception(
            'edi-rejected',
            `850 ${set.control} in group ${group.control} from ${where.sender} was rejected in our ${kind}: ${rejection(set, group)}`,
            {
              stage: 'edi-validate',
              ...setWhere,
              codes: set.codes,
              ...(group.codes.length ? { groupCodes: group.codes } : {}),
              errors: set.errors.slice(0, 20),
              problems: [...set.problems, ...group.problems],
            },
            derived,
          );
          continue;
        }
        const { po, draft, problems } = checkedPurchaseOrder(set.segments ?? [], {
          partner: { ...profile, id: connection.id },
          groupDate: group.date,
          groupTime: group.time,
          setControl: set.control,
        });
        if (!draft) {
          await exception(
            'edi-mapping',
            `PO ${po.order.b2b?.poNumber ?? set.control} from partner ${connection.id} cannot be imported: ${problems.slice(0, 3).join('; ')}`,
            { stage: 'edi-normalize', ...setWhere, problems },
            derived,
          );
          continue;
        }
        const applied = await applyOrder(tx, sourceOf(connection), draft, inboxId);
        receipt.orders.push(applied);
        const hours = profile.documents['855']?.hours;
        if (hours && applied.result === 'created') {
          await expectDocument(tx, applied.orderId, '855', new Date(at.getTime() + hours * 3_600_000));
        }
      }
    }
    receipt.interchanges.push(interchangeSummary(ic));
  };

  const each = async (ic: InterchangeResult) => {
    // Each interchange in a savepoint of its own: one that cannot be processed becomes its own exception, and
    // the others in the file still get their acknowledgments and orders.
    const mark = [
      receipt.orders.length,
      receipt.exceptions.length,
      receipt.acknowledgments.length,
      receipt.acknowledged.length,
    ];
    try {
      await (outer as unknown as Savepoints).savepoint(async (sp) => {
        tx = sp;
        await one(ic);
      });
    } catch (error) {
      if (isTransientDbError(error)) throw error;
      tx = outer;
      receipt.orders.length = mark[0]!;
      receipt.exceptions.length = mark[1]!;
      receipt.acknowledgments.length = mark[2]!;
      receipt.acknowledged.length = mark[3]!;
      await exception(
        'edi',
        `interchange ${ic.control} from partner ${connection.id} could not be processed: ${describeError(error)}`,
        {
          stage: 'edi-interchange',
          interchange: ic.control,
          offset: ic.offset,
        },
        slice(ic),
      );
    } finally {
      tx = outer;
    }
  };

  let done = 0;
  const ready = async (final: boolean) => {
    // The last interchange read waits for the next one's ISA (its end) unless the file is over.
    for (; done < (final ? found.length : found.length - 1); done++) {
      const ic = found[done]!;
      ends.set(ic, found[done + 1]?.offset);
      await each(ic);
      // Processed: its segments are let go.
      for (const g of ic.groups) for (const set of g.sets) delete set.segments;
    }
  };
  const CHUNK = 1 << 16;
  for (let from = 0; from < text.length; from += CHUNK) {
    tokenizer.push(text.slice(from, from + CHUNK));
    await ready(false);
  }
  tokenizer.end();
  await ready(true);
  receipt.problems = reader.result.problems;
  if (!found.length) {
    // No ISA anywhere: not X12. Kept (the file and an exception on it) and said as what it is instead.
    const notX12 = describeNotX12(file.body);
    await exception('edi', `EDI file ${file.name} is not X12: ${notX12.found}`, {
      stage: 'edi-read',
      found: notX12.found,
      problems: receipt.problems.slice(0, 5),
    });
    receipt.status = 'not-x12';
    receipt.notX12 = notX12;
  }
  return receipt;
}
