import {
  type Connection,
  type PartnerDocumentRequest,
  type PartnerDocuments,
  PermanentError,
  type ShipAddress,
  type Sql,
} from '@switchyard/core';
import { partnerEnvelope } from './ack.ts';
import { transactionSet } from './dictionary/index.ts';
import { FUNCTIONAL_IDS } from './envelope.ts';
import type { EdiConnection } from './intake.ts';
import { build810, build855, build856, OutboundError } from './outbound.ts';
import { buildSscc } from './sscc.ts';
import { envelopeScope, findDocument, insertDocument, nextNumber } from './store.ts';
import type { Segment } from './types.ts';
import { SetValidator } from './validate.ts';
import { writeInterchange } from './write.ts';

/**
 * The 855, 856 and 810 a partner gets, built from the order, checked by our own validator against the X12
 * dictionary before anything leaves, and queued in the partner's outbox with control numbers from its
 * counters, in one transaction keyed by the workflow step: a step run again gets the same document back.
 */
/** The X12 transaction set of each partner document the workflow asks for. */
export const X12_SET = { acknowledgment: '855', 'ship-notice': '856', invoice: '810' } as const;

export function partnerDocuments(
  sql: Sql,
  connection: EdiConnection,
  now: () => Date = () => new Date(),
): PartnerDocuments {
  const profile = connection.settings;
  return {
    expects: (kind) => profile.documents[X12_SET[kind]] !== undefined,
    async send(request) {
      const set = X12_SET[request.kind];
      return sql.begin(async (t) => {
        const tx = t as unknown as Sql;
        const existing = await findDocument(tx, connection.id, request.idempotencyKey);
        if (existing) return { documentId: existing.id, kind: existing.kind, control: existing.isaControl };
        const scope = envelopeScope(profile);
        const st = String(await nextNumber(tx, scope, 'st')).padStart(4, '0');
        const sets = scrub(await build(tx, request, st), profile.delimiters);
        const problems = check(set, profile.version, sets, profile.delimiters);
        if (problems.length) {
          throw new PermanentError(
            `the ${set} for order ${request.order.externalNumber ?? request.order.externalId} fails our X12 check and was not sent: ${problems.slice(0, 3).join('; ')}`,
          );
        }
        const isa = String(await nextNumber(tx, scope, 'isa'));
        const gs = String(await nextNumber(tx, scope, 'gs'));
        const at = now();
        const env = partnerEnvelope(profile, at);
        const body = written(
          () =>
            writeInterchange({
              sender: env.sender!,
              receiver: env.receiver!,
              control: isa,
              at,
              usage: profile.usage,
              delimiters: profile.delimiters,
              groups: [
                {
                  functionalId: FUNCTIONAL_IDS[set]!,
                  sender: env.groupSender!,
                  receiver: env.groupReceiver!,
                  control: gs,
                  version: profile.version,
                  sets: [sets],
                },
              ],
            }),
          request,
        );
        const hours = profile.documents[set]?.hours;
        const doc = await insertDocument(tx, {
          tenantId: connection.tenantId,
          connectionId: connection.id,
          idempotencyKey: request.idempotencyKey,
          kind: set,
          orderId: request.order.id,
          isaControl: isa.padStart(9, '0'),
          gsControl: gs,
          stControl: st,
          body,
          awaitAck: true,
          ...(hours ? { dueAt: new Date(Date.parse(request.order.placedAt) + hours * 3_600_000) } : {}),
        });
        return { documentId: doc.id, kind: doc.kind, control: doc.isaControl };
      });
    },
  };

  async function build(tx: Sql, request: PartnerDocumentRequest, st: string): Promise<Segment[]> {
    const version = profile.version;
    try {
      switch (request.kind) {
        case 'acknowledgment':
          return build855({
            order: request.order,
            decisions: request.order.lines.map((l) => ({
              lineId: l.id,
              status: 'IA',
              quantity: l.quantity.ordered,
            })),
            date: now().toISOString().slice(0, 10),
            controlNumber: st,
            version,
          });
        case 'ship-notice': {
          if (!profile.gs1CompanyPrefix) {
            throw new PermanentError(
              `partner ${connection.id} expects an 856 but its profile has no gs1CompanyPrefix to number the cartons (SSCC-18): add it, then replay`,
            );
          }
          const serial = await nextNumber(tx, `gs1:${profile.gs1CompanyPrefix}`, 'sscc');
          const sscc = buildSscc({ extensionDigit: 0, companyPrefix: profile.gs1CompanyPrefix, serial });
          const s = request.shipment;
          return build856({
            order: request.order,
            shipmentId: s.shipmentId.slice(0, 30),
            shippedAt: s.shippedAt,
            carrierName: s.carrier,
            serviceLevel: s.service,
            trackingNumber: s.trackingCode,
            shipFrom: address(request.shipFrom),
            packages: [{ sscc, ...(s.weightGrams ? { weightGrams: s.weightGrams } : {}), lines: s.lines }],
            controlNumber: st,
            version,
          });
        }
        case 'invoice':
          return build810({
            order: request.order,
            invoiceNumber: (request.order.externalNumber ?? request.order.id).slice(0, 22),
            invoiceDate: request.invoiceDate,
            lines: request.lines,
            controlNumber: st,
            version,
          });
      }
    } catch (error) {
      if (error instanceof OutboundError) {
        throw new PermanentError(
          `the ${X12_SET[request.kind]} for order ${request.order.externalId} cannot be built: ${error.message}`,
        );
      }
      throw error;
    }
  }
}

/** The order workflow's `documents` dependency: partner documents for the x12 connections, nothing for others. */
export function documentsFor(sql: Sql): (connection: Connection) => PartnerDocuments | undefined {
  return (connection) =>
    connection.connector.id === 'x12' ? partnerDocuments(sql, connection as EdiConnection) : undefined;
}

/**
 * Free text (a product title, an address) may hold a character that is one of the partner's delimiters: it is
 * replaced by a space, so the document can be written. Our generators write no composite elements.
 */
function scrub(
  set: Segment[],
  d: { element: string; component: string; segment: string; repetition?: string | undefined },
): Segment[] {
  const bad = [d.element, d.component, d.segment, ...(d.repetition ? [d.repetition] : [])];
  return set.map((segment) => ({
    id: segment.id,
    elements: segment.elements.map((value) => {
      let out = value;
      for (const ch of bad) if (out.includes(ch)) out = out.split(ch).join(' ');
      return out;
    }),
  }));
}

/** Writing fails only on bad data: that is for a person, not a retry. */
function written(write: () => string, request: PartnerDocumentRequest): string {
  try {
    return write();
  } catch (error) {
    throw new PermanentError(
      `the ${X12_SET[request.kind]} for order ${request.order.externalId} cannot be written: ${(error as Error).message}`,
    );
  }
}

/** Our own validator on what we are about to send: the full definition, strictly. */
export function check(
  kind: string,
  version: string,
  set: Segment[],
  delimiters: { component: string; element: string; segment: string },
): string[] {
  const def = transactionSet(kind, version);
  if (!def) return [`no definition of the ${kind} in ${version} to check it against`];
  const validator = new SetValidator(def, { ...delimiters }, { strict: true });
  for (const segment of set) validator.segment(segment);
  const problems = validator.finish().map((e) => `${e.message} (segment ${e.position} ${e.segment})`);
  const se = set[set.length - 1];
  if (se?.id !== 'SE' || Number(se.elements[0]) !== set.length) problems.push('SE01 does not count the set');
  return problems;
}

function address(a: ShipAddress) {
  return {
    ...(a.name ? { name: a.name } : {}),
    ...(a.company ? { company: a.company } : {}),
    line1: a.street1,
    ...(a.street2 ? { line2: a.street2 } : {}),
    city: a.city,
    ...(a.state ? { region: a.state } : {}),
    postalCode: a.zip,
    country: a.country,
  };
}
