import { type Address, computeTotals, type OrderDraftInput, parseMoney } from '@switchyard/core';
import { locationFor, skuFor, type TradingPartner } from '@switchyard/mappings';
import { amountMessage, quantityMessage, x12Money, x12Number } from './rules.ts';
import type { Segment } from './types.ts';

/**
 * An accepted 850 as a canonical B2B order. What the partner's tables cannot map (an item without a SKU, a
 * store number without an address, a price finer than the currency) is a problem for a person, never a guess:
 * the order is still built so the operator sees it, and the problems say what to add to the profile.
 */

export interface PurchaseOrder {
  order: OrderDraftInput;
  /** Empty when the order can go; otherwise it becomes an exception. */
  problems: string[];
}

export type PartnerTables = Pick<TradingPartner, 'id' | 'items' | 'locations' | 'conventions' | 'currency'>;

const NO_TABLES: PartnerTables = {
  id: 'unknown',
  items: [],
  locations: [],
  conventions: { shipToLocation: 'N1*ST', vendorPartIsSku: true },
  currency: 'USD',
};

/** BEG01 transaction set purpose codes that cancel. */
const CANCELS = new Set(['01', '03']);

const PRODUCT_QUALIFIERS = {
  buyer: ['BP', 'IN', 'CB', 'BI'],
  vendor: ['VN', 'VP', 'VA', 'VC'],
  upc: ['UP', 'UA', 'UK', 'UI', 'EN', 'EO', 'UD'],
  sku: ['SK'],
  description: ['PD'],
} as const;

export function purchaseOrder(
  segments: readonly Segment[],
  context: { partner?: PartnerTables; groupDate: string; groupTime: string; setControl: string },
): PurchaseOrder {
  const partner = context.partner ?? NO_TABLES;
  const problems: string[] = [];
  const el = (s: Segment | undefined, i: number) => s?.elements[i - 1] ?? '';
  // One pass over the set: header, PO1 loops, and the few segments read by name.
  const header: Segment[] = [];
  const lines: Segment[][] = [];
  let inSummary = false;
  let beg: Segment | undefined;
  let cur: Segment | undefined;
  let ctt: Segment | undefined;
  let amt: Segment | undefined;
  for (const s of segments) {
    const id = s.id;
    if (id === 'PO1') lines.push([s]);
    else if (id === 'CTT' || id === 'SE') {
      inSummary = true;
      if (id === 'CTT') ctt ??= s;
    } else if (id === 'AMT' && inSummary) {
      if (!amt && (s.elements[0] === 'TT' || s.elements[0] === '1')) amt = s;
    } else if (lines.length && !inSummary) lines[lines.length - 1]!.push(s);
    else {
      header.push(s);
      if (id === 'BEG') beg ??= s;
      else if (id === 'CUR') cur ??= s;
      else if (id === 'AMT' && !amt && (s.elements[0] === 'TT' || s.elements[0] === '1')) amt = s;
    }
  }
  const poNumber = el(beg, 3);
  const currency = /^[A-Z]{3}$/.test(el(cur, 2)) ? el(cur, 2) : partner.currency;

  // N1 loops: an N1 and the N2/N3/N4/PER/REF after it.
  const parties = new Map<string, Segment[]>();
  let party: Segment[] | undefined;
  for (const s of header) {
    if (s.id === 'N1') {
      party = [s];
      if (!parties.has(el(s, 1))) parties.set(el(s, 1), party);
    } else if (party && ['N2', 'N3', 'N4', 'PER', 'REF'].includes(s.id)) party.push(s);
    else if (!['N2', 'N3', 'N4'].includes(s.id)) party = undefined;
  }
  const address = (code: string, role: string): Address | undefined => {
    const loop = parties.get(code);
    if (!loop) return undefined;
    const n1 = loop[0]!;
    const location = locationCode(n1);
    const n3 = loop.find((s) => s.id === 'N3');
    const n4 = loop.find((s) => s.id === 'N4');
    const per = loop.find((s) => s.id === 'PER');
    if (!n3 && location) {
      const known = locationFor(partner, location);
      if (!known) {
        problems.push(
          `the ${role} is location ${location} ("${el(n1, 2)}") with no address in the 850, and partner ${partner.id} has no location ${location}: add it to the partner's locations`,
        );
        return { company: el(n1, 2) || undefined, locationCode: location };
      }
      return {
        company: known.name ?? (el(n1, 2) || undefined),
        line1: known.line1,
        line2: known.line2,
        city: known.city,
        region: known.region,
        postalCode: known.postalCode,
        country: known.country,
        locationCode: location,
      };
    }
    const country = countryCode(el(n4, 4));
    if (el(n4, 4) && !country) problems.push(`the ${role}'s country "${el(n4, 4)}" is not an ISO 3166 code`);
    return clean({
      company: el(n1, 2) || undefined,
      line1: el(n3, 1) || undefined,
      line2: el(n3, 2) || undefined,
      city: el(n4, 1) || undefined,
      region: el(n4, 2) || undefined,
      postalCode: el(n4, 3) || undefined,
      country: country ?? (n4 ? 'US' : undefined),
      phone: contact(per, 'TE'),
      email: contact(per, 'EM'),
      locationCode: location,
    });
  };

  let shipTo = address('ST', 'ship-to');
  const refShipTo = /^REF\*(.+)$/.exec(partner.conventions.shipToLocation)?.[1];
  if (refShipTo) {
    const ref = header.find((s) => s.id === 'REF' && el(s, 1) === refShipTo);
    const code = el(ref, 2);
    const known = code ? locationFor(partner, code) : undefined;
    if (!code)
      problems.push(
        `partner ${partner.id} puts the ship-to store in REF*${refShipTo}, and this 850 has none`,
      );
    else if (!known)
      problems.push(`ship-to store ${code} (REF*${refShipTo}) is not in partner ${partner.id}'s locations`);
    else shipTo = { ...known, company: known.name, locationCode: code };
  }
  if (!shipTo) problems.push('the 850 has no ship-to (N1*ST)');
  const billTo = address('BT', 'bill-to');

  const dates: Record<string, string> = {};
  for (const s of header)
    if (s.id === 'DTM' && /^\d{8}$/.test(el(s, 2))) dates[el(s, 1)] ??= isoDate(el(s, 2));
  const poDate = /^\d{8}$/.test(el(beg, 5)) ? isoDate(el(beg, 5)) : undefined;
  const sentAt = isoDateTime(context.groupDate, context.groupTime);

  const itd = header.find((s) => s.id === 'ITD');
  const td5 = header.find((s) => s.id === 'TD5');
  const notes = header
    .filter((s) => s.id === 'MSG' || s.id === 'NTE')
    .map((s) => (s.id === 'MSG' ? el(s, 1) : el(s, 2)))
    .filter(Boolean);
  const refs = header.filter((s) => s.id === 'REF');
  const ref = (q: string) =>
    el(
      refs.find((s) => el(s, 1) === q),
      2,
    ) || undefined;

  const orderLines = lines.map((segs, index) => orderLine(segs, index, partner, currency, problems));
  // Line ids are the PO1 assigned ids: one sent twice gets its position added, so ids stay unique.
  const ids = new Set<string>();
  for (let i = 0; i < orderLines.length; i++) {
    const line = orderLines[i]!;
    if (ids.has(line.id)) line.id = `${line.id}#${i + 1}`;
    ids.add(line.id);
  }

  if (ctt && el(ctt, 1) && Number(el(ctt, 1)) !== lines.length) {
    problems.push(`CTT01 says ${Number(el(ctt, 1))} line items; the 850 has ${lines.length} PO1 lines`);
  }
  if (!poNumber) problems.push('the 850 has no PO number (BEG03)');

  const draft: Omit<OrderDraftInput, 'totals'> & { totals?: OrderDraftInput['totals'] } = {
    externalId: `${partner.id}:${poNumber || context.setControl}`,
    externalNumber: poNumber || undefined,
    kind: 'b2b',
    status: CANCELS.has(el(beg, 1)) ? 'cancelled' : 'placed',
    currency,
    placedAt: poDate ? `${poDate}T00:00:00Z` : sentAt,
    updatedAt: sentAt,
    ...(shipTo ? { shippingAddress: shipTo } : {}),
    ...(billTo ? { billingAddress: billTo } : {}),
    customer: clean({
      company: el(parties.get('BY')?.[0], 2) || el(parties.get('BT')?.[0], 2) || undefined,
      externalId: partner.id,
    }),
    lines: orderLines,
    shippingLines: td5
      ? [
          clean({
            code: el(td5, 3) || el(td5, 5) || 'routing',
            title: el(td5, 5) || undefined,
            carrier: el(td5, 2) === '2' ? el(td5, 3) || undefined : undefined,
            price: { amount: 0, currency },
          }) as { code: string; price: { amount: number; currency: string } },
        ]
      : [],
    b2b: clean({
      poNumber: poNumber || context.setControl,
      poDate,
      requestedShipDate: dates['010'] ?? dates['037'],
      requestedDeliveryDate: dates['002'] ?? dates['106'] ?? dates['074'],
      cancelAfter: dates['001'] ?? dates['038'],
      paymentTerms: itd
        ? clean({
            code: el(itd, 1) || undefined,
            discountPercent: /^\d+(\.\d+)?$/.test(el(itd, 3)) ? el(itd, 3) : undefined,
            discountDays: /^\d+$/.test(el(itd, 5)) ? Number(el(itd, 5)) : undefined,
            netDays: /^\d+$/.test(el(itd, 7)) ? Number(el(itd, 7)) : undefined,
            description: el(itd, 12) || undefined,
          })
        : undefined,
      partnerId: partner.id,
      shipToLocationCode: shipTo?.locationCode,
      billToLocationCode: billTo?.locationCode,
      departmentNumber: ref('DP'),
      vendorNumber: ref('IA') ?? ref('VR'),
    }) as { poNumber: string },
    note: notes.length ? notes.join('\n') : undefined,
    attributes: clean({
      'x12.beg01': el(beg, 1) || undefined,
      'x12.beg02': el(beg, 2) || undefined,
      'x12.st02': context.setControl,
      'x12.routing': el(td5, 5) || undefined,
    }) as Record<string, string>,
  };
  try {
    draft.totals = computeTotals(draft as Parameters<typeof computeTotals>[0]);
  } catch (error) {
    problems.push(`the totals cannot be computed: ${(error as Error).message}`);
  }
  if (amt && draft.totals) {
    try {
      const stated = parseMoney(el(amt, 2), currency);
      if (stated.amount !== draft.totals.items.amount) {
        problems.push(`AMT*${el(amt, 1)} says ${el(amt, 2)}; the lines add up to a different total`);
      }
    } catch {
      problems.push(`AMT02 "${el(amt, 2)}" is not an amount in ${currency}`);
    }
  }
  const zero = { amount: 0, currency };
  draft.totals ??= { items: zero, discount: zero, shipping: zero, tax: zero, total: zero };
  return { order: draft as OrderDraftInput, problems };
}

type OrderLineInput = OrderDraftInput['lines'][number];

/** One PO1 loop as an order line (a function of its own, no closure per line: big POs have thousands). */
function orderLine(
  segs: Segment[],
  index: number,
  partner: PartnerTables,
  currency: string,
  problems: string[],
): OrderLineInput {
  const po1 = segs[0]!;
  const e = po1.elements;
  const n = index + 1;
  const assigned = e[0] ?? '';
  const qty = e[1] ?? '';
  // A set the hub receives has its quantities checked in the 997 already (rules.ts); this is for any other way in.
  const quantity = x12Number(qty);
  const badQuantity = quantityMessage(qty);
  if (badQuantity) problems.push(`line ${n}: ${badQuantity}`);
  const codes: Record<string, string> = {};
  for (let i = 5; i + 1 < e.length; i += 2) {
    const q = e[i]!;
    const v = e[i + 1]!;
    if (q && v && !(q in codes)) codes[q] = v;
  }
  const buyerPartNumber = pickCode(codes, PRODUCT_QUALIFIERS.buyer);
  const vendorPartNumber = pickCode(codes, PRODUCT_QUALIFIERS.vendor);
  const upc = pickCode(codes, PRODUCT_QUALIFIERS.upc);
  let description = '';
  for (let i = 1; i < segs.length && !description; i++) {
    if (segs[i]!.id === 'PID') description = segs[i]!.elements[4] ?? '';
  }
  const title =
    description ||
    pickCode(codes, PRODUCT_QUALIFIERS.description) ||
    buyerPartNumber ||
    vendorPartNumber ||
    upc ||
    `line ${n}`;
  const sku = skuFor(partner, {
    sku: pickCode(codes, PRODUCT_QUALIFIERS.sku),
    buyerPartNumber,
    upc,
    vendorPartNumber,
  });
  if (!sku) {
    const known = Object.entries(codes)
      .map(([q, v]) => `${q} ${v}`)
      .join(', ');
    problems.push(
      `line ${n} (${title}): no SKU for ${known || 'an item without product ids'} in partner ${partner.id}'s items`,
    );
  }
  let unitPrice = { amount: 0, currency };
  const price = e[3] ?? '';
  if (price) {
    const read = x12Money(price, currency);
    if ('error' in read) problems.push(`line ${n}: unit price "${price}" ${read.error}`);
    else {
      unitPrice = { amount: read.amount, currency };
      const negative = amountMessage('unit price', price, read.amount);
      if (negative) problems.push(`line ${n}: ${negative}`);
    }
  } else problems.push(`line ${n}: no unit price (PO104)`);
  const line: OrderLineInput = {
    id: assigned || String(n),
    title,
    quantity: { ordered: badQuantity ? 0 : quantity },
    unitOfMeasure: e[2] || 'EA',
    unitPrice,
  };
  if (assigned) line.externalId = assigned;
  if (sku) line.sku = sku;
  if (buyerPartNumber) line.buyerPartNumber = buyerPartNumber;
  if (vendorPartNumber) line.vendorPartNumber = vendorPartNumber;
  if (upc) line.upc = upc;
  return line;
}

/** The first of the qualifiers the line carries a value for. */
function pickCode(codes: Record<string, string>, qualifiers: readonly string[]): string | undefined {
  for (const q of qualifiers) if (codes[q]) return codes[q];
  return undefined;
}

function locationCode(n1: Segment): string | undefined {
  const qualifier = n1.elements[2] ?? '';
  const code = n1.elements[3] ?? '';
  return qualifier && code ? code : undefined;
}

function contact(per: Segment | undefined, qualifier: string): string | undefined {
  if (!per) return undefined;
  for (let i = 2; i < per.elements.length; i += 2)
    if (per.elements[i] === qualifier) return per.elements[i + 1] || undefined;
  return undefined;
}

const ALPHA3: Record<string, string> = {
  USA: 'US',
  CAN: 'CA',
  MEX: 'MX',
  GBR: 'GB',
  DEU: 'DE',
  FRA: 'FR',
  AUS: 'AU',
};

function countryCode(value: string): string | undefined {
  if (/^[A-Z]{2}$/.test(value)) return value;
  return ALPHA3[value];
}

function isoDate(ccyymmdd: string): string {
  return `${ccyymmdd.slice(0, 4)}-${ccyymmdd.slice(4, 6)}-${ccyymmdd.slice(6, 8)}`;
}

function isoDateTime(date: string, time: string): string {
  const d = /^\d{8}$/.test(date) ? isoDate(date) : '1970-01-01';
  const t = /^\d{4}/.test(time)
    ? `${time.slice(0, 2)}:${time.slice(2, 4)}:${/^\d{6}/.test(time) ? time.slice(4, 6) : '00'}`
    : '00:00:00';
  return `${d}T${t}Z`;
}

function clean<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
