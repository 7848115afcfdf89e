import { createHash } from 'node:crypto';
import {
  type ApplyResult,
  appendOrderEvent,
  applyOrder,
  bodyText,
  type Connection,
  checkTotals,
  describeError,
  isTransientDbError,
  OrderDraft,
  recordException,
  type Sql,
  sourceOf,
  storeRaw,
} from '@switchyard/core';
import { type AckKind, ackInterchange, acknowledges, partnerEnvelope } from './ack.ts';
import { describeNotX12, holdsIsa, type NotX12 } from './content.ts';
import { type GroupResult, InterchangeReader, type InterchangeResult, type SetResult } from './envelope.ts';
import { markDuplicate } from './inspect.ts';
import { purchaseOrder } from './map-order.ts';
import { X12Tokenizer } from './reader.ts';
import { type PartnerSettings, readingFor } from './settings.ts';
import {
  earlierFile,
  envelopeScope,
  expectDocument,
  firstGroup,
  firstReceipt,
  insertDocument,
  nextNumber,
  recordAck,
  recordInterchangeAck,
} from './store.ts';
import type { Segment } from './types.ts';
import { ELEMENT_CODES, SEGMENT_CODES } from './validate.ts';
import { writeSegment } from './write.ts';

/**
 * An EDI file from a partner, from its arrival (HTTP or SFTP) to its effects, in one transaction: the raw file
 * in the inbox first; each interchange judged on its own (envelope, duplicates within 30 days, every set);
 * a TA1 and one 997/999 per group queued for the partner with control numbers from its counters; each
 * accepted 850 an order, or an exception when the partner's tables cannot map it; each 997 from the partner
 * matched to what we sent. A failure past the raw store keeps the file with an open exception.
 */

export interface EdiConnection extends Connection {
  settings: PartnerSettings;
}

export interface EdiFile {
  body: Uint8Array;
  /** The file's name on SFTP, or the request path. */
  name: string;
  via: 'http' | 'sftp';
  receivedAt: Date;
  headers?: Record<string, string>;
}

export interface Receipt {
  /**
   * accepted: read, each interchange judged (its rejections are in `interchanges`); not-x12: no ISA at all (stored
   * with an exception, `notX12` says what it holds); duplicate: these bytes were received before; exception: the
   * file could not be processed (stored with an exception).
   */
  status: 'accepted' | 'duplicate' | 'exception' | 'not-x12';
  inboxId?: string;
  /** What a file with no interchange holds instead, and what to send. */
  notX12?: NotX12;
  interchanges: {
    control: string;
    sender: string;
    duplicate: boolean;
    ta1: { status: string; note: string; message: string } | null;
    groups: {
      functionalId: string;
      control: string;
      status: string;
      /** AK905 codes and why, when the group is rejected as a whole. */
      codes?: string[];
      problems?: string[];
      /** Each set, with why it was rejected (the errors its AK3/AK4 point at) when it was. */
      sets: { type: string; control: string; status: string; errors?: string[] }[];
    }[];
  }[];
  orders: ApplyResult[];
  exceptions: string[];
  /** Acknowledgments queued for the partner (document ids). */
  acknowledgments: string[];
  /** Our documents the partner's 997s in this file accepted or rejected. */
  acknowledged: { documentId: string; kind: string; status: string }[];
  problems: string[];
}

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
        const po = purchaseOrder(set.segments ?? [], {
          partner: { ...profile, id: connection.id },
          groupDate: group.date,
          groupTime: group.time,
          setControl: set.control,
        });
        const parsed = OrderDraft.safeParse(po.order);
        const problems = [
          ...po.problems,
          ...(parsed.success
            ? checkTotals(parsed.data)
            : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
        ];
        if (problems.length || !parsed.success) {
          await exception(
            'edi-mapping',
            `PO ${po.order.b2b?.poNumber ?? set.control} from partner ${connection.id} cannot be imported: ${problems.slice(0, 3).join('; ')}`,
            { stage: 'edi-normalize', ...setWhere, problems },
            derived,
          );
          continue;
        }
        const applied = await applyOrder(tx, sourceOf(connection), parsed.data, inboxId);
        receipt.orders.push(applied);
        const hours = profile.documents['855']?.hours;
        if (hours && applied.result === 'created') {
          await expectDocument(tx, applied.orderId, '855', new Date(at.getTime() + hours * 3_600_000));
        }
      }
    }
    receipt.interchanges.push({
      control: ic.control,
      sender: where.sender,
      duplicate: ic.duplicate,
      ta1: ic.ta1,
      groups: ic.groups.map((g) => ({
        functionalId: g.functionalId,
        control: g.control,
        status: g.status,
        ...(g.status === 'R' && g.codes.length ? { codes: g.codes, problems: g.problems } : {}),
        sets: g.sets.map((s) => ({
          type: s.type,
          control: s.control,
          status: s.status,
          ...(s.status === 'R' ? { errors: reasons(s).slice(0, 20) } : {}),
        })),
      })),
    });
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

/** A set's AK3/AK4 errors in words, with the segment's position (an AK3 code 8 only announces its AK4s). */
function errorWords(set: SetResult): string[] {
  return set.errors
    .filter((e) => e.level === 'element' || e.code !== '8')
    .map((e) => `${e.message} (segment ${e.position})`);
}

/** Why a set was rejected: its own problems (counts, trailer), then its errors. */
function reasons(set: SetResult): string[] {
  return [...set.problems, ...errorWords(set)];
}

function rejection(set: SetResult, group: GroupResult): string {
  const parts = [...set.problems, ...group.problems, ...errorWords(set)];
  return parts.slice(0, 3).join('; ') || 'see the errors';
}

/** One set in an interchange of its own, with the original envelope's parties and delimiters. */
function single(ic: InterchangeResult, group: GroupResult, segments: Segment[]): string {
  const d = { ...ic.delimiters, suffix: '\n' };
  const isa = [
    'ISA',
    ...[
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      ic.sender.qualifier.padEnd(2),
      ic.sender.id.padEnd(15),
      ic.receiver.qualifier.padEnd(2),
      ic.receiver.id.padEnd(15),
      ic.date,
      ic.time,
      ic.version >= '00402' ? (d.repetition ?? '^') : 'U',
      ic.version,
      ic.control,
      '0',
      ic.usage,
      d.component,
    ],
  ].join(d.element);
  let text = `${isa}${d.segment}\n`;
  text += writeSegment(
    {
      id: 'GS',
      elements: [
        group.functionalId,
        group.sender,
        group.receiver,
        group.date,
        group.time,
        group.control,
        'X',
        group.version,
      ],
    },
    d,
  );
  for (const s of segments) text += `${[s.id, ...s.elements].join(d.element)}${d.segment}\n`;
  text += writeSegment({ id: 'GE', elements: ['1', group.control] }, d);
  text += writeSegment({ id: 'IEA', elements: ['1', ic.control] }, d);
  return text;
}

/** A 997 or 999 from the partner: each AK2 closes the document we sent with that GS06 and ST02. */
async function matchAcknowledgment(
  tx: Sql,
  connection: EdiConnection,
  set: SetResult,
  receipt: Receipt,
): Promise<void> {
  const acks = readAcknowledgment(set.segments ?? []);
  for (const ack of acks) {
    const docs = await recordAck(tx, connection.id, ack.groupControl, ack.setControl, {
      status: ack.status,
      errors: ack.errors,
    });
    for (const doc of docs) {
      receipt.acknowledged.push({ documentId: doc.id, kind: doc.kind, status: ack.status });
      if (doc.orderId) {
        await appendOrderEvent(tx, {
          orderId: doc.orderId,
          type: `edi.${doc.kind}.${ack.status}`,
          data: {
            documentId: doc.id,
            isa: doc.isaControl,
            gs: doc.gsControl,
            st: doc.stControl,
            errors: ack.errors,
          },
          stepKey: `edi-ack:${doc.id}`,
        });
      }
    }
  }
}

export interface ReadAck {
  groupControl: string;
  /** Undefined when the 997 answers for the whole group (no AK2). */
  setControl?: string;
  setType?: string;
  status: 'accepted' | 'partially-accepted' | 'rejected';
  errors: { message: string; segment?: string; position?: number; element?: number; code?: string }[];
}

/** What a 997 or 999 says, set by set, with its AK3/AK4 (IK3/IK4) errors in words. */
export function readAcknowledgment(segments: readonly Segment[]): ReadAck[] {
  const out: ReadAck[] = [];
  let group = '';
  let current: ReadAck | undefined;
  let segment: { id: string; position: number } | undefined;
  const status = (code: string): ReadAck['status'] =>
    code === 'A' || code === 'E' ? 'accepted' : code === 'P' ? 'partially-accepted' : 'rejected';
  for (const s of segments) {
    const e = (i: number) => s.elements[i - 1] ?? '';
    switch (s.id) {
      case 'AK1':
        group = e(2);
        break;
      case 'AK2':
        current = { groupControl: group, setControl: e(2), setType: e(1), status: 'accepted', errors: [] };
        out.push(current);
        break;
      case 'AK3':
      case 'IK3':
        segment = { id: e(1), position: Number(e(2)) };
        current?.errors.push({
          segment: e(1),
          position: Number(e(2)),
          code: e(4),
          message: `${e(1)} at segment ${e(2)}: ${SEGMENT_CODES[e(4)] ?? `error ${e(4)}`}`,
        });
        break;
      case 'AK4':
      case 'IK4': {
        const element = Number(e(1).split(/[^0-9]/)[0]);
        current?.errors.push({
          ...(segment ? { segment: segment.id, position: segment.position } : {}),
          element,
          code: e(3),
          message: `${segment?.id ?? 'segment'}${String(element).padStart(2, '0')}${e(2) ? ` (element ${e(2)})` : ''}: ${ELEMENT_CODES[e(3)] ?? `error ${e(3)}`}${e(4) ? `, "${e(4)}"` : ''}`,
        });
        break;
      }
      case 'AK5':
      case 'IK5':
        if (current) {
          current.status = status(e(1));
          if (e(2))
            current.errors.push({
              code: e(2),
              message: `transaction set: code ${s.elements.slice(1).filter(Boolean).join(', ')}`,
            });
        }
        segment = undefined;
        break;
      case 'AK9': {
        const codes = s.elements.slice(4).filter(Boolean);
        const groupErrors = codes.length
          ? [{ code: codes[0]!, message: `group: code ${codes.join(', ')}` }]
          : [];
        if (!out.length) out.push({ groupControl: group, status: status(e(1)), errors: groupErrors });
        else if (e(1) === 'R') {
          // The whole group refused: every set in it is rejected, whatever its AK5 said.
          for (const ack of out) {
            ack.status = 'rejected';
            ack.errors.push(...groupErrors, {
              message: 'the partner rejected the whole functional group (AK9 R)',
            });
          }
        }
        break;
      }
    }
  }
  return out;
}
