/**
 * Outbound transaction sets a merchant owes a trading partner for an 850: the 855 acknowledgment, the 856
 * ship notice (pick and pack) and the 810 invoice. Each generator returns ST..SE as `Segment[]`; the caller
 * wraps them in GS/GE and ISA/IEA, writes them with the partner's delimiters and validates them against the
 * dictionary before sending.
 *
 * Element rules followed everywhere: trailing empty elements are dropped; R values carry no "+", no
 * exponent and no trailing zeros ("9.25", "4"); N2 values are integers of hundredths; dates are CCYYMMDD and
 * times HHMM; money is integer minor units computed with BigInt and formatted with string arithmetic, never
 * floats. Free text (names, street lines, descriptions) has its whitespace collapsed and is cut to the
 * element's maximum length; identifiers (PO number, invoice number, SSCC, part numbers) are never cut: one
 * that does not fit is an error. No composite element is written, so no component separator is needed.
 *
 * Not handled by design: the data is not checked against the partner's delimiters (the writer knows them
 * and must refuse data containing one); line discounts and taxes are not represented in the 810 (B2B
 * purchase orders carry net unit prices).
 */
import type { Address, Money, Order, OrderLine } from '@switchyard/core';
import { currencyExponent } from '@switchyard/core';
import { gs1CheckDigit, isValidSscc } from './sscc.ts';
import type { Segment } from './types.ts';

/** A generator's input does not make a valid document; the message says what to fix. */
export class OutboundError extends Error {
  override name = 'OutboundError';
}

// ---------------------------------------------------------------------------------------------------------
// Partner conventions the canonical order does not keep

/**
 * The product id qualifiers (data element 235) to write, when the partner's 850 used others than BP (buyer's
 * part number) and VN (vendor's item number), e.g. IN or CB for the buyer's item. The UPC's qualifier
 * follows its length: UP (12 digits), EN (13), UK (14), UI (11), EO (8).
 */
export interface ProductQualifiers {
  buyerPart?: string;
  vendorPart?: string;
}

// ---------------------------------------------------------------------------------------------------------
// 855

export type LineAck = 'IA' | 'IR' | 'IB'; // accepted, rejected, backordered

export interface PoAckDecision {
  /** The order line (`OrderLine.id`). A line may have several decisions (6 accepted, 4 backordered). */
  lineId: string;
  status: LineAck;
  /** Units this decision covers (ACK02); positive for IA and IB, zero or more for IR. */
  quantity: number;
  /** For IB: when the backordered units are expected to ship (YYYY-MM-DD), sent as ACK04 068 / ACK05. */
  expectedShipDate?: string;
}

export interface PoAck {
  order: Order;
  /** Every order line needs at least one decision. */
  decisions: PoAckDecision[];
  /** The acknowledgment date (YYYY-MM-DD), BAK09. */
  date: string;
  controlNumber: string;
  /** '004010' or '005010' (a GS08 suffix such as '004010VICS' is accepted). */
  version: string;
  /** The seller's own order number, BAK08, when the partner wants it. */
  sellerOrderNumber?: string;
  /** N103 for the partner's location codes; '92' (assigned by buyer) unless the partner uses another. */
  locationQualifier?: string;
  productQualifiers?: ProductQualifiers;
}

/**
 * The 855: BAK, CUR (non-USD only), REF DP/IA, N1 ST, then per order line its PO1 echoing the 850 and one
 * ACK per decision, CTT with the number of PO1 segments.
 *
 * BAK02 is AD when every line is accepted in full, RJ when every decision is a rejection, AC otherwise.
 * BAK04 is the purchase order's date (the standard: "the date assigned by the purchaser to purchase order"),
 * BAK09 the acknowledgment date; without a PO date in the order, its placement date stands in for BAK04.
 */
export function build855(input: PoAck): Segment[] {
  const { order } = input;
  checkEnvelope(input.controlNumber, input.version);
  const b2b = purchaseOrder(order);
  const ackDate = x12Date(input.date, 'the acknowledgment date');
  const lines = lineIndex(order);

  const decided = new Map<string, PoAckDecision[]>();
  input.decisions.forEach((d, i) => {
    const where = `decisions[${i}]`;
    const line = lines.get(d.lineId);
    if (!line) throw new OutboundError(`${where} names line "${d.lineId}", which is not a line of the order`);
    if (d.status !== 'IA' && d.status !== 'IR' && d.status !== 'IB') {
      throw new OutboundError(`${where} has status "${d.status}"; it must be IA, IR or IB`);
    }
    if (!Number.isSafeInteger(d.quantity) || d.quantity < (d.status === 'IR' ? 0 : 1)) {
      throw new OutboundError(
        `${where} (${d.status}) has quantity ${d.quantity}; it must be a whole number ${d.status === 'IR' ? 'of 0 or more' : 'above 0'}`,
      );
    }
    if (d.expectedShipDate !== undefined && d.status !== 'IB') {
      throw new OutboundError(`${where} has an expected ship date but is ${d.status}: only IB carries one`);
    }
    decided.set(d.lineId, [...(decided.get(d.lineId) ?? []), d]);
  });

  let allAccepted = true;
  for (const { line } of lines.values()) {
    const ds = decided.get(line.id);
    if (!ds)
      throw new OutboundError(`line "${line.id}" (${line.title}) has no decision: each line needs one`);
    const total = ds.reduce((n, d) => n + d.quantity, 0);
    if (total > line.quantity.ordered) {
      throw new OutboundError(
        `the decisions for line "${line.id}" cover ${total} units but ${line.quantity.ordered} were ordered`,
      );
    }
    if (!ds.every((d) => d.status === 'IA') || total !== line.quantity.ordered) allAccepted = false;
  }
  const allRejected = input.decisions.every((d) => d.status === 'IR');
  const type = allAccepted ? 'AD' : allRejected ? 'RJ' : 'AC';

  const body: Segment[] = [
    seg(
      'BAK',
      '00',
      type,
      b2b.poNumber,
      poDate(order),
      undefined,
      undefined,
      undefined,
      input.sellerOrderNumber &&
        identifier(input.sellerOrderNumber, 'the seller order number (BAK08)', 1, 22),
      ackDate,
    ),
    ...currency(order),
    ...orderReferences(order),
  ];
  const shipTo = shipToCode(order);
  if (shipTo) {
    body.push(seg('N1', 'ST', partyName(order.shippingAddress), input.locationQualifier ?? '92', shipTo));
  }
  for (const { line, index } of lines.values()) {
    const uom = unitOfMeasure(line);
    body.push(
      seg(
        'PO1',
        assignedId(line, index),
        String(line.quantity.ordered),
        uom,
        price(line.unitPrice, order),
        undefined,
        ...productIds(line, input.productQualifiers),
      ),
    );
    for (const d of decided.get(line.id)!) {
      const date =
        d.expectedShipDate && x12Date(d.expectedShipDate, `the expected ship date of line "${line.id}"`);
      body.push(seg('ACK', d.status, String(d.quantity), uom, date && '068', date));
    }
  }
  body.push(seg('CTT', String(order.lines.length)));
  return transactionSet('855', input.controlNumber, body);
}

// ---------------------------------------------------------------------------------------------------------
// 856

export interface ShipNoticePackage {
  /** The carton's SSCC-18: 18 digits with a valid GS1 check digit, without the "00" AI. */
  sscc: string;
  weightGrams?: number;
  lines: { lineId: string; quantity: number }[];
}

export interface ShipNotice {
  order: Order;
  /** BSN02, 2 to 30 characters, unique per shipment. */
  shipmentId: string;
  /** ISO 8601 with an offset; BSN03/04 and DTM 011 take its wall-clock date and time as written. */
  shippedAt: string;
  /** The carrier's SCAC (2 to 4 letters or digits), TD5 qualifier 2. */
  carrierScac?: string;
  carrierName?: string;
  serviceLevel?: string;
  /** REF CN (carrier's reference: tracking or PRO number). */
  trackingNumber?: string;
  /** REF BM; the shipment id when absent. */
  billOfLading?: string;
  shipFrom: Address;
  packages: ShipNoticePackage[];
  controlNumber: string;
  version: string;
  /**
   * MAN02 for MAN01 GM. 'ai' (default): the 20 digits "00" + SSCC-18, since code GM is "SSCC and Application
   * Identifier" and VICS-style guides ask for the 20 digits printed under the GS1-128 label. 'sscc': the bare
   * 18 digits, for partners whose guide says so.
   */
  marks?: 'ai' | 'sscc';
  /** TD107/108 gross weight unit: 'LB' (default, pounds to 2 decimals, half up) or 'KG' (exact). */
  weightUnit?: 'LB' | 'KG';
  /** Write HL04 (1 = has child levels, 0 = none). Optional in the standard; off by default. */
  hlChildCodes?: boolean;
  /**
   * CTT01. 'hl' (default): the number of HL segments, as the 856's own note in the standard defines it
   * ("the accumulation of the number of HL segments"). 'items': the number of item (I) levels, for partners
   * whose guide counts line items.
   */
  lineItemCount?: 'hl' | 'items';
  /** N103 for location codes; '92' unless the partner uses another. */
  locationQualifier?: string;
  productQualifiers?: ProductQualifiers;
}

/**
 * The 856 in pick-and-pack structure (BSN05 0001), Shipment → Order → Pack → Item:
 *
 * BSN; HL S with TD1 (CTN count, gross weight when every package has one), TD5, REF BM, REF CN, DTM 011,
 * N1 ST and N1 SF with N3/N4; HL O with PRF (PO number, PO date) and REF DP/IA; per package HL P with
 * MAN GM; per line in it HL I with LIN, SN1 and PID; CTT. HL01 counts from 1 in document order, HL02 is
 * the parent's HL01.
 */
export function build856(input: ShipNotice): Segment[] {
  const { order } = input;
  checkEnvelope(input.controlNumber, input.version);
  const b2b = purchaseOrder(order);
  const shipmentId = identifier(input.shipmentId, 'the shipment id (BSN02)', 2, 30);
  const shipped = x12DateTime(input.shippedAt, 'shippedAt');
  const lines = lineIndex(order);
  if (input.packages.length === 0) throw new OutboundError('a ship notice needs at least one package');

  const seen = new Set<string>();
  const shippedPerLine = new Map<string, number>();
  input.packages.forEach((p, i) => {
    const where = `packages[${i}]`;
    checkSscc(p.sscc, where);
    if (seen.has(p.sscc)) throw new OutboundError(`${where} repeats SSCC ${p.sscc}: each carton has its own`);
    seen.add(p.sscc);
    if (p.weightGrams !== undefined && (!Number.isSafeInteger(p.weightGrams) || p.weightGrams <= 0)) {
      throw new OutboundError(
        `${where} weighs ${p.weightGrams} g; a weight is a whole number of grams above 0`,
      );
    }
    if (p.lines.length === 0) throw new OutboundError(`${where} (SSCC ${p.sscc}) contains no lines`);
    const inPackage = new Set<string>();
    p.lines.forEach((l, j) => {
      const at = `${where}.lines[${j}]`;
      const entry = lines.get(l.lineId);
      if (!entry) throw new OutboundError(`${at} names line "${l.lineId}", which is not a line of the order`);
      if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) {
        throw new OutboundError(
          `${at} ships ${l.quantity} of line "${l.lineId}"; a quantity is a whole number above 0`,
        );
      }
      if (inPackage.has(l.lineId))
        throw new OutboundError(`${at} lists line "${l.lineId}" twice in one package`);
      inPackage.add(l.lineId);
      const total = (shippedPerLine.get(l.lineId) ?? 0) + l.quantity;
      shippedPerLine.set(l.lineId, total);
      const open = entry.line.quantity.ordered - entry.line.quantity.cancelled;
      if (total > open) {
        throw new OutboundError(
          `the packages ship ${total} of line "${l.lineId}" but only ${open} are ordered`,
        );
      }
    });
  });

  const scac = input.carrierScac?.trim().toUpperCase();
  if (scac !== undefined && !/^[A-Z0-9]{2,4}$/.test(scac)) {
    throw new OutboundError(`carrierScac "${input.carrierScac}" is not a SCAC (2 to 4 letters or digits)`);
  }
  const shipToName = partyName(order.shippingAddress);
  const shipTo = shipToCode(order);
  if (!shipToName && !shipTo) {
    throw new OutboundError('the order has no ship-to (neither a shipping address name nor a location code)');
  }
  if (!partyName(input.shipFrom) && !input.shipFrom.locationCode) {
    throw new OutboundError('shipFrom needs a name, a company or a location code');
  }
  const qualifier = input.locationQualifier ?? '92';
  const childCode = (code: '1' | '0') => (input.hlChildCodes ? code : undefined);

  const body: Segment[] = [seg('BSN', '00', shipmentId, shipped.date, shipped.time, '0001')];
  let hl = 0;
  let items = 0;

  const shipmentHl = ++hl;
  body.push(seg('HL', String(shipmentHl), undefined, 'S', childCode('1')));
  const weights = input.packages.map((p) => p.weightGrams);
  const grams = weights.every((w) => w !== undefined)
    ? weights.reduce((a, w) => a + BigInt(w), 0n)
    : undefined;
  const unit = input.weightUnit ?? 'LB';
  body.push(
    grams === undefined
      ? seg('TD1', 'CTN', String(input.packages.length))
      : seg('TD1', 'CTN', String(input.packages.length), '', '', '', 'G', weight(grams, unit), unit),
  );
  const routing = text([input.carrierName, input.serviceLevel].filter(Boolean).join(' '), 35);
  if (scac) body.push(seg('TD5', undefined, '2', scac, undefined, routing));
  else if (routing) body.push(seg('TD5', undefined, undefined, undefined, undefined, routing));
  body.push(
    seg(
      'REF',
      'BM',
      identifier(input.billOfLading ?? shipmentId, 'the bill of lading number (REF BM)', 1, 30),
    ),
  );
  if (input.trackingNumber) {
    body.push(seg('REF', 'CN', identifier(input.trackingNumber, 'the tracking number (REF CN)', 1, 30)));
  }
  body.push(seg('DTM', '011', shipped.date, shipped.time));
  body.push(...party('ST', order.shippingAddress, shipTo, qualifier));
  body.push(...party('SF', input.shipFrom, input.shipFrom.locationCode, qualifier));

  const orderHl = ++hl;
  body.push(seg('HL', String(orderHl), String(shipmentHl), 'O', childCode('1')));
  body.push(seg('PRF', b2b.poNumber, undefined, undefined, b2b.poDate && x12Date(b2b.poDate, 'the PO date')));
  body.push(...orderReferences(order));

  for (const p of input.packages) {
    const packHl = ++hl;
    body.push(seg('HL', String(packHl), String(orderHl), 'P', childCode('1')));
    body.push(seg('MAN', 'GM', input.marks === 'sscc' ? p.sscc : `00${p.sscc}`));
    for (const l of p.lines) {
      const { line } = lines.get(l.lineId)!;
      const ids = productIds(line, input.productQualifiers);
      if (ids.length === 0) {
        throw new OutboundError(
          `line "${line.id}" (${line.title}) has no buyer part, vendor part, UPC or SKU for LIN`,
        );
      }
      body.push(seg('HL', String(++hl), String(packHl), 'I', childCode('0')));
      items++;
      body.push(seg('LIN', undefined, ...ids));
      body.push(seg('SN1', undefined, String(l.quantity), unitOfMeasure(line)));
      const title = text(line.title, 80);
      if (title) body.push(seg('PID', 'F', undefined, undefined, undefined, title));
    }
  }
  body.push(seg('CTT', String(input.lineItemCount === 'items' ? items : hl)));
  return transactionSet('856', input.controlNumber, body);
}

// ---------------------------------------------------------------------------------------------------------
// 810

export interface Invoice {
  order: Order;
  /** BIG02, 1 to 22 characters. */
  invoiceNumber: string;
  /** YYYY-MM-DD. */
  invoiceDate: string;
  /** What was shipped and is billed, in this order. */
  lines: { lineId: string; quantity: number }[];
  /** Billed freight, SAC*C*G830 after TDS. */
  shipping?: Money;
  controlNumber: string;
  version: string;
  /** The remit-to party (N1 RE) when the partner's guide asks for one. */
  remitTo?: Address;
  /** N103 for location codes; '92' unless the partner uses another. */
  locationQualifier?: string;
  productQualifiers?: ProductQualifiers;
}

/**
 * The 810: BIG, CUR (non-USD only), REF DP/IA, N1 ST/BT/RE with N3/N4, ITD from the order's payment terms,
 * per billed line IT1 and PID, TDS (total in N2 hundredths: Σ quantity × unit price + freight), SAC for
 * freight, CTT with the number of IT1 segments.
 */
export function build810(input: Invoice): Segment[] {
  const { order } = input;
  checkEnvelope(input.controlNumber, input.version);
  const b2b = purchaseOrder(order);
  const invoiceNumber = identifier(input.invoiceNumber, 'the invoice number (BIG02)', 1, 22);
  const invoiceDate = x12Date(input.invoiceDate, 'the invoice date');
  const lines = lineIndex(order);
  if (input.lines.length === 0) throw new OutboundError('an invoice needs at least one line');
  const billed = new Set<string>();
  input.lines.forEach((l, i) => {
    const where = `lines[${i}]`;
    const entry = lines.get(l.lineId);
    if (!entry)
      throw new OutboundError(`${where} names line "${l.lineId}", which is not a line of the order`);
    if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) {
      throw new OutboundError(
        `${where} bills ${l.quantity} of line "${l.lineId}"; a quantity is a whole number above 0`,
      );
    }
    if (billed.has(l.lineId)) throw new OutboundError(`${where} bills line "${l.lineId}" a second time`);
    billed.add(l.lineId);
    if (l.quantity > entry.line.quantity.ordered) {
      throw new OutboundError(
        `${where} bills ${l.quantity} of line "${l.lineId}" but ${entry.line.quantity.ordered} were ordered`,
      );
    }
  });
  if (input.shipping && input.shipping.currency !== order.currency) {
    throw new OutboundError(
      `the shipping charge is in ${input.shipping.currency}, the order is in ${order.currency}`,
    );
  }

  const qualifier = input.locationQualifier ?? '92';
  const body: Segment[] = [
    seg('BIG', invoiceDate, invoiceNumber, b2b.poDate && x12Date(b2b.poDate, 'the PO date'), b2b.poNumber),
    ...currency(order),
    ...orderReferences(order),
    ...party('ST', order.shippingAddress, shipToCode(order), qualifier),
    ...party(
      'BT',
      order.billingAddress,
      order.billingAddress?.locationCode ?? b2b.billToLocationCode,
      qualifier,
    ),
    ...party('RE', input.remitTo, input.remitTo?.locationCode, qualifier),
    ...terms(order),
  ];

  let total = 0n;
  for (const l of input.lines) {
    const { line, index } = lines.get(l.lineId)!;
    total += BigInt(line.unitPrice.amount) * BigInt(l.quantity);
    body.push(
      seg(
        'IT1',
        assignedId(line, index),
        String(l.quantity),
        unitOfMeasure(line),
        price(line.unitPrice, order),
        undefined,
        ...productIds(line, input.productQualifiers),
      ),
    );
    const title = text(line.title, 80);
    if (title) body.push(seg('PID', 'F', undefined, undefined, undefined, title));
  }
  const freight = input.shipping && input.shipping.amount !== 0 ? BigInt(input.shipping.amount) : undefined;
  if (freight !== undefined) total += freight;
  body.push(seg('TDS', hundredths(total, order.currency, 'the invoice total (TDS01)')));
  if (freight !== undefined) {
    body.push(
      seg(
        'SAC',
        'C',
        'G830',
        undefined,
        undefined,
        hundredths(freight, order.currency, 'the freight charge'),
      ),
    );
  }
  body.push(seg('CTT', String(input.lines.length)));
  return transactionSet('810', input.controlNumber, body);
}

// ---------------------------------------------------------------------------------------------------------
// Shared pieces

/** A segment with `undefined` as empty elements and the trailing empty ones dropped. */
function seg(id: string, ...elements: (string | undefined)[]): Segment {
  const out = elements.map((e) => e ?? '');
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return { id, elements: out };
}

function transactionSet(code: '810' | '855' | '856', controlNumber: string, body: Segment[]): Segment[] {
  return [seg('ST', code, controlNumber), ...body, seg('SE', String(body.length + 2), controlNumber)];
}

function checkEnvelope(controlNumber: string, version: string): void {
  if (!/^[A-Za-z0-9]{4,9}$/.test(controlNumber)) {
    throw new OutboundError(
      `the control number (ST02) must be 4 to 9 letters or digits, got "${controlNumber}"`,
    );
  }
  if (!/^00[45]010/.test(version)) {
    throw new OutboundError(`version "${version}" is not supported: use 004010 or 005010`);
  }
}

function purchaseOrder(order: Order): NonNullable<Order['b2b']> {
  if (!order.b2b?.poNumber)
    throw new OutboundError(`order ${order.id} has no purchase order number (b2b.poNumber)`);
  return { ...order.b2b, poNumber: identifier(order.b2b.poNumber, 'the PO number', 1, 22) };
}

function poDate(order: Order): string {
  return order.b2b?.poDate
    ? x12Date(order.b2b.poDate, 'the PO date')
    : x12Date(order.placedAt.slice(0, 10), 'the order placement date');
}

function lineIndex(order: Order): Map<string, { line: OrderLine; index: number }> {
  const map = new Map<string, { line: OrderLine; index: number }>();
  order.lines.forEach((line, index) => {
    if (map.has(line.id)) throw new OutboundError(`order ${order.id} has two lines with id "${line.id}"`);
    map.set(line.id, { line, index });
  });
  return map;
}

/** PO101/IT101: the 850's PO1 assigned id when the order kept it, else the line's position from 1. */
function assignedId(line: OrderLine, index: number): string {
  return identifier(line.externalId ?? String(index + 1), `the assigned id of line "${line.id}"`, 1, 20);
}

function unitOfMeasure(line: OrderLine): string {
  const uom = (line.unitOfMeasure || 'EA').trim().toUpperCase();
  if (!/^[A-Z0-9]{2}$/.test(uom)) {
    throw new OutboundError(
      `line "${line.id}" has unit of measure "${line.unitOfMeasure}", not a 2-character code`,
    );
  }
  return uom;
}

/** The product id pairs (qualifier, id) the 850 carried: buyer part (BP), vendor part (VN), then the UPC/EAN/GTIN. */
function productIds(line: OrderLine, qualifiers: ProductQualifiers | undefined): string[] {
  const buyer = qualifier(qualifiers?.buyerPart ?? 'BP', 'buyerPart');
  const vendor = qualifier(qualifiers?.vendorPart ?? 'VN', 'vendorPart');
  const pairs: string[] = [];
  const add = (qualifier: string, value: string | undefined) => {
    if (value?.trim())
      pairs.push(qualifier, identifier(value, `the ${qualifier} product id of line "${line.id}"`, 1, 48));
  };
  add(buyer, line.buyerPartNumber);
  add(vendor, line.vendorPartNumber);
  if (line.upc?.trim()) add(gtinQualifier(line.upc.trim()), line.upc);
  // The merchant's SKU is its own (vendor's) part number: used only when the 850 gave no id at all.
  if (pairs.length === 0) add(vendor, line.sku);
  return pairs;
}

function qualifier(code: string, what: string): string {
  if (!/^[A-Z0-9]{2}$/.test(code))
    throw new OutboundError(`productQualifiers.${what} "${code}" is not a 2-character code`);
  return code;
}

/** Data element 235 by length: UP U.P.C. (12), EN EAN-13, UK GTIN-14, UI U.P.C. without check (11), EO EAN-8. */
function gtinQualifier(code: string): string {
  return { 8: 'EO', 11: 'UI', 12: 'UP', 13: 'EN', 14: 'UK' }[code.length] ?? 'UP';
}

function shipToCode(order: Order): string | undefined {
  return order.shippingAddress?.locationCode ?? order.b2b?.shipToLocationCode;
}

function partyName(address: Address | undefined): string | undefined {
  return text(address?.company ?? address?.name, 60);
}

/** An N1 loop: N1 (name and/or qualified location code), N3 and N4 when the address has them. */
function party(
  code: string,
  address: Address | undefined,
  location: string | undefined,
  qualifier: string,
): Segment[] {
  const name = partyName(address);
  const loc = location?.trim() ? identifier(location, `the N1 ${code} location code`, 2, 80) : undefined;
  if (!name && !loc) return [];
  const out = [seg('N1', code, name, loc && qualifier, loc)];
  if (!address) return out;
  const line1 = text(address.line1, 55);
  const line2 = text(address.line2, 55);
  if (line1 || line2) out.push(seg('N3', line1 ?? line2, line1 ? line2 : undefined));
  const region = address.region?.trim().toUpperCase();
  const state = region && /^[A-Z]{2}$/.test(region) ? region : undefined;
  const city = text(address.city, 30);
  const postal = text(address.postalCode, 15);
  if (city || state || postal || address.country) out.push(seg('N4', city, state, postal, address.country));
  return out;
}

function orderReferences(order: Order): Segment[] {
  const out: Segment[] = [];
  const dept = order.b2b?.departmentNumber?.trim();
  const vendor = order.b2b?.vendorNumber?.trim();
  if (dept) out.push(seg('REF', 'DP', identifier(dept, 'the department number (REF DP)', 1, 30)));
  if (vendor) out.push(seg('REF', 'IA', identifier(vendor, 'the vendor number (REF IA)', 1, 30)));
  return out;
}

/** CUR*SE*<code> when the amounts are not US dollars, the partners' default. */
function currency(order: Order): Segment[] {
  return order.currency === 'USD' ? [] : [seg('CUR', 'SE', order.currency)];
}

/**
 * ITD from the order's payment terms: ITD01 the 850's terms type code (a channel's own longer code becomes
 * ZZ, mutually defined), ITD02 3 (from the invoice date), ITD03 discount %, ITD05 discount days (the percent
 * is sent only with its days: syntax note L03040513), ITD07 net days, ITD12 the description.
 */
function terms(order: Order): Segment[] {
  const t = order.b2b?.paymentTerms;
  if (!t) return [];
  const hasDiscount = t.discountPercent !== undefined && t.discountDays !== undefined;
  const description = text(t.description, 80);
  if (!hasDiscount && t.netDays === undefined && !description && !t.code) return [];
  const basis = hasDiscount || t.netDays !== undefined ? '3' : undefined;
  return [
    seg(
      'ITD',
      t.code && /^[A-Z0-9]{2}$/.test(t.code.trim()) ? t.code.trim() : 'ZZ',
      basis,
      hasDiscount ? decimalText(t.discountPercent!) : undefined,
      undefined,
      hasDiscount ? String(t.discountDays) : undefined,
      undefined,
      t.netDays !== undefined ? String(t.netDays) : undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      description,
    ),
  ];
}

/** A unit price as an R value in the currency's units: 925 USD → "9.25", 400 → "4", 1500 JPY → "1500". */
function price(m: Money, order: Order): string {
  if (m.currency !== order.currency) {
    throw new OutboundError(`a unit price is in ${m.currency}, the order is in ${order.currency}`);
  }
  return decimal(BigInt(m.amount), currencyExponent(m.currency));
}

/** `units` × 10^-exponent as the shortest exact decimal: no "+", no exponent, no trailing zeros. */
function decimal(units: bigint, exponent: number): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString();
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const fraction = padded.slice(-exponent).replace(/0+$/, '');
  return `${sign}${padded.slice(0, -exponent)}${fraction ? `.${fraction}` : ''}`;
}

/** A decimal string ("2", "2.50", "0.0825") as an R value: "2", "2.5", "0.0825". */
function decimalText(value: string): string {
  const match = /^(-)?0*(\d+?)(?:\.(\d*?)0*)?$/.exec(value.trim());
  if (!match) throw new OutboundError(`"${value}" is not a decimal number`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const text = fraction ? `${whole}.${fraction}` : whole;
  return text === '0' ? '0' : sign + text;
}

/** An amount in minor units as an N2 value (integer hundredths of the currency unit). */
function hundredths(minor: bigint, code: string, what: string): string {
  const exponent = currencyExponent(code);
  let cents = minor * 10n ** BigInt(Math.max(0, 2 - exponent));
  if (exponent > 2) {
    const scale = 10n ** BigInt(exponent - 2);
    if (minor % scale !== 0n) {
      throw new OutboundError(
        `${what} (${decimal(minor, exponent)} ${code}) has more than the 2 decimals N2 carries`,
      );
    }
    cents = minor / scale;
  }
  const text = cents.toString();
  if (text.replace('-', '').length > 15)
    throw new OutboundError(`${what} (${text} hundredths) exceeds 15 digits`);
  return text;
}

/** Grams as TD107: kilograms exactly, or pounds rounded half up to 2 decimals (1 lb = 453.59237 g). */
function weight(grams: bigint, unit: 'LB' | 'KG'): string {
  if (unit === 'KG') return decimal(grams, 3);
  const divisor = 45_359_237n; // grams per pound × 10^5
  const hundredthsOfPound = (grams * 10_000_000n * 2n + divisor) / (2n * divisor);
  return decimal(hundredthsOfPound > 0n ? hundredthsOfPound : 1n, 2);
}

function checkSscc(sscc: string, where: string): void {
  if (!/^\d{18}$/.test(sscc)) {
    throw new OutboundError(
      `${where} has SSCC "${sscc}"; an SSCC is 18 digits${/^00\d{18}$/.test(sscc) ? ' (give it without the "00" AI)' : ''}`,
    );
  }
  if (!isValidSscc(sscc)) {
    throw new OutboundError(
      `${where} has SSCC ${sscc} with check digit ${sscc[17]}; the GS1 check digit of ${sscc.slice(0, 17)} is ${gs1CheckDigit(sscc.slice(0, 17))}`,
    );
  }
}

/** Free text: whitespace collapsed, cut to `max` characters; undefined when nothing is left. */
function text(value: string | undefined, max: number): string | undefined {
  const cleaned = value?.replace(/\s+/g, ' ').trim();
  return cleaned ? [...cleaned].slice(0, max).join('').trim() : undefined;
}

/** An identifier is sent whole or not at all. */
function identifier(value: string, what: string, min: number, max: number): string {
  const v = value.trim();
  if (v.length < min || v.length > max) {
    throw new OutboundError(`${what} "${value}" must be ${min} to ${max} characters`);
  }
  return v;
}

function x12Date(iso: string, what: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new OutboundError(`${what} must be a date YYYY-MM-DD, got "${iso}"`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

/** The date and time of an ISO datetime as written (its own offset's wall clock), CCYYMMDD and HHMM. */
function x12DateTime(iso: string, what: string): { date: string; time: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/.exec(iso);
  if (
    !m ||
    !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) ||
    Number(m[4]) > 23 ||
    Number(m[5]) > 59
  ) {
    throw new OutboundError(
      `${what} must be an ISO datetime with an offset (2024-03-05T14:30:00-05:00), got "${iso}"`,
    );
  }
  return { date: `${m[1]}${m[2]}${m[3]}`, time: `${m[4]}${m[5]}` };
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}
