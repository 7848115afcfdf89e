import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { computeTotals, Order, type OrderDraftInput } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { check } from '../src/documents.ts';
import {
  build810,
  build855,
  build856,
  type Invoice,
  OutboundError,
  type PoAck,
  type PoAckDecision,
  type ShipNotice,
} from '../src/outbound.ts';
import { buildSscc } from '../src/sscc.ts';
import type { Segment } from '../src/types.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** One segment per line, elements joined by "*", as the goldens are written. */
const render = (segments: Segment[]) =>
  segments.map((s) => [s.id, ...s.elements].join('*')).join('\n') + '\n';

/** Compares with golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead (review the diff before committing). */
function expectGolden(name: string, segments: Segment[]) {
  const path = here(`golden/${name}`);
  const text = render(segments);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

const find = (segments: Segment[], id: string, first?: string) =>
  segments.filter((s) => s.id === id && (first === undefined || s.elements[0] === first));

const el = (segments: Segment[], id: string, position: number, first?: string) => {
  const [s] = find(segments, id, first);
  if (!s) throw new Error(`no ${id} segment`);
  return s.elements[position - 1];
};

/** Envelope and syntax invariants every generated set must meet. */
function expectWellFormed(segments: Segment[], code: string, control: string) {
  expect(segments[0]).toEqual({ id: 'ST', elements: [code, control] });
  expect(segments.at(-1)).toEqual({ id: 'SE', elements: [String(segments.length), control] });
  expect(find(segments, 'ST')).toHaveLength(1);
  expect(find(segments, 'SE')).toHaveLength(1);
  for (const s of segments) {
    expect(s.id).toMatch(/^[A-Z][A-Z0-9]{1,2}$/);
    expect(s.elements.length).toBeGreaterThan(0);
    expect(s.elements.at(-1), `${s.id} ends with an empty element`).not.toBe('');
    for (const e of s.elements) {
      expect(e, `${s.id} element "${e}" has edge whitespace`).not.toMatch(/^\s|\s$/);
      // Numbers as X12 writes them: no "+", no exponent, no trailing fractional zeros, no bare point.
      if (/^[+-]?\d*\.?\d+(?:[eE][+-]?\d+)?$|^\d+\.$/.test(e)) {
        expect(e, `${s.id} element "${e}"`).not.toMatch(/^\+|[eE]|\.\d*0$|\.$/);
      }
    }
  }
}

// A retailer's PO for three lines: one with buyer part + vendor part + UPC, one with the vendor part only, and a
// commercial unit whose line total (12 × 1,999,999.99) exceeds 2^31 cents.
const draft: Omit<OrderDraftInput, 'totals'> = {
  externalId: 'PO88123',
  kind: 'b2b',
  currency: 'USD',
  placedAt: '2024-03-01T09:15:00-05:00',
  updatedAt: '2024-03-01T09:15:00-05:00',
  shippingAddress: {
    company: 'NORTHWIND STORES DC 0042',
    line1: '4100 Distribution Pkwy',
    line2: 'Dock 7',
    city: 'Columbus',
    region: 'OH',
    postalCode: '43219',
    country: 'US',
    locationCode: '0042',
  },
  billingAddress: {
    company: 'Northwind Stores Inc.',
    line1: '1 Market Plaza',
    city: 'Chicago',
    region: 'IL',
    postalCode: '60601',
    country: 'US',
    locationCode: '9001',
  },
  lines: [
    {
      id: 'l1',
      externalId: '1',
      title: 'Enamel Camp Mug 12oz Slate',
      quantity: { ordered: 24 },
      unitOfMeasure: 'EA',
      unitPrice: { amount: 925, currency: 'USD' },
      buyerPartNumber: 'NW-778812',
      vendorPartNumber: 'MUG-12-SL',
      upc: '036000241457',
    },
    {
      id: 'l2',
      externalId: '2',
      title: 'Cast Iron Skillet 10in',
      quantity: { ordered: 12 },
      unitOfMeasure: 'EA',
      unitPrice: { amount: 2400, currency: 'USD' },
      vendorPartNumber: 'SKL-10',
    },
    {
      id: 'l3',
      externalId: '3',
      title: 'Walk-in Cold Room Kit,   modular\n(3 x 4 m)',
      quantity: { ordered: 12 },
      unitOfMeasure: 'EA',
      unitPrice: { amount: 199_999_999, currency: 'USD' },
      buyerPartNumber: 'NW-900001',
      sku: 'WCR-KIT',
    },
  ],
  b2b: {
    poNumber: 'PO88123',
    poDate: '2024-03-01',
    departmentNumber: '038',
    vendorNumber: '71557',
    shipToLocationCode: '0042',
    paymentTerms: {
      code: '08',
      discountPercent: '2.00',
      discountDays: 10,
      netDays: 30,
      description: '2% 10 NET 30',
    },
  },
};

function makeOrder(changes: Partial<OrderDraftInput> = {}): Order {
  const input = { ...draft, ...changes };
  return Order.parse({
    ...input,
    totals: changes.totals ?? computeTotals(input),
    id: 'ord_01HX12DEMO',
    tenantId: 'acme',
    source: { connectionId: 'northwind-edi', connector: 'x12' },
    version: 1,
  });
}

const order = makeOrder();

const ack = (decisions: PoAckDecision[], extra: Partial<PoAck> = {}): PoAck => ({
  order,
  decisions,
  date: '2024-03-02',
  controlNumber: '0001',
  version: '004010',
  ...extra,
});

const allAccepted: PoAckDecision[] = [
  { lineId: 'l1', status: 'IA', quantity: 24 },
  { lineId: 'l2', status: 'IA', quantity: 12 },
  { lineId: 'l3', status: 'IA', quantity: 12 },
];

describe('855 purchase order acknowledgment', () => {
  it('acknowledges a PO accepted in full (golden)', () => {
    const segments = build855(ack(allAccepted));
    expectGolden('855-accepted.txt', segments);
    expectWellFormed(segments, '855', '0001');
    expect(find(segments, 'BAK')[0]!.elements).toEqual([
      '00',
      'AD',
      'PO88123',
      '20240301',
      '',
      '',
      '',
      '',
      '20240302',
    ]);
  });

  it('acknowledges with changes: a split accepted/backordered line and a rejected line (golden)', () => {
    const segments = build855(
      ack(
        [
          { lineId: 'l1', status: 'IA', quantity: 24 },
          { lineId: 'l2', status: 'IA', quantity: 8 },
          { lineId: 'l2', status: 'IB', quantity: 4, expectedShipDate: '2024-03-20' },
          { lineId: 'l3', status: 'IR', quantity: 0 },
        ],
        { sellerOrderNumber: 'SO-20931', controlNumber: '000000217', version: '005010' },
      ),
    );
    expectGolden('855-changes.txt', segments);
    expectWellFormed(segments, '855', '000000217');
    expect(el(segments, 'BAK', 2)).toBe('AC');
    expect(el(segments, 'BAK', 8)).toBe('SO-20931');
    expect(find(segments, 'ACK', 'IB')[0]!.elements).toEqual(['IB', '4', 'EA', '068', '20240320']);
    // CTT01 counts PO1 lines, not ACKs.
    expect(find(segments, 'ACK')).toHaveLength(4);
    expect(el(segments, 'CTT', 1)).toBe('3');
  });

  it('chooses BAK02 AD only when every line is accepted in full, RJ when every decision is a rejection', () => {
    const bak02 = (decisions: PoAckDecision[]) => el(build855(ack(decisions)), 'BAK', 2);
    expect(bak02(allAccepted)).toBe('AD');
    expect(bak02(allAccepted.map((d) => ({ ...d, status: 'IR' as const, quantity: 0 })))).toBe('RJ');
    expect(bak02(allAccepted.map((d) => ({ ...d, status: 'IR' as const })))).toBe('RJ');
    // Accepting fewer than ordered is a change.
    expect(bak02([{ lineId: 'l1', status: 'IA', quantity: 20 }, ...allAccepted.slice(1)])).toBe('AC');
    // One line backordered, the others accepted.
    expect(bak02([...allAccepted.slice(0, 2), { lineId: 'l3', status: 'IB', quantity: 12 }])).toBe('AC');
    // One line rejected, the others accepted.
    expect(bak02([...allAccepted.slice(0, 2), { lineId: 'l3', status: 'IR', quantity: 0 }])).toBe('AC');
  });

  it('echoes each PO1 with its 850 assigned id, the product ids the 850 sent, and the unit price as R', () => {
    const segments = build855(ack(allAccepted));
    expect(find(segments, 'PO1').map((s) => s.elements)).toEqual([
      ['1', '24', 'EA', '9.25', '', 'BP', 'NW-778812', 'VN', 'MUG-12-SL', 'UP', '036000241457'],
      ['2', '12', 'EA', '24', '', 'VN', 'SKL-10'],
      ['3', '12', 'EA', '1999999.99', '', 'BP', 'NW-900001'],
    ]);
    expect(find(segments, 'N1')[0]!.elements).toEqual(['ST', 'NORTHWIND STORES DC 0042', '92', '0042']);
  });

  it("writes the partner's own product id and location qualifiers when its 850 used others", () => {
    const segments = build855(
      ack(allAccepted, { productQualifiers: { buyerPart: 'IN', vendorPart: 'VP' }, locationQualifier: 'UL' }),
    );
    expect(find(segments, 'PO1')[0]!.elements.slice(5)).toEqual([
      'IN',
      'NW-778812',
      'VP',
      'MUG-12-SL',
      'UP',
      '036000241457',
    ]);
    expect(el(segments, 'N1', 3)).toBe('UL');
    expect(() => build855(ack(allAccepted, { productQualifiers: { buyerPart: 'buyer' } }))).toThrow(
      'productQualifiers.buyerPart "buyer" is not a 2-character code',
    );
    // A 13-digit code is an EAN, a line with no id but a SKU sends the SKU as the vendor's item number.
    const o = makeOrder({
      lines: [
        {
          id: 'e',
          title: 'Kettle',
          quantity: { ordered: 2 },
          unitPrice: { amount: 3000, currency: 'USD' },
          upc: '4006381333931',
        },
        {
          id: 's',
          title: 'Trivet',
          quantity: { ordered: 2 },
          unitPrice: { amount: 500, currency: 'USD' },
          sku: 'TRV-1',
        },
      ],
    });
    const po1 = find(
      build855(
        ack(
          [
            { lineId: 'e', status: 'IA', quantity: 2 },
            { lineId: 's', status: 'IA', quantity: 2 },
          ],
          { order: o },
        ),
      ),
      'PO1',
    );
    expect(po1.map((s) => s.elements.slice(5))).toEqual([
      ['EN', '4006381333931'],
      ['VN', 'TRV-1'],
    ]);
  });

  it('numbers lines by position when the order kept no PO1 id, and uses BAK04 = placement date without a PO date', () => {
    const o = makeOrder({
      lines: draft.lines.map(({ externalId: _, ...line }) => line),
      b2b: { ...draft.b2b!, poDate: undefined },
    });
    const segments = build855(ack(allAccepted, { order: o }));
    expect(find(segments, 'PO1').map((s) => s.elements[0])).toEqual(['1', '2', '3']);
    expect(el(segments, 'BAK', 4)).toBe('20240301');
  });

  it('refuses decisions that do not fit the order', () => {
    const err =
      (decisions: PoAckDecision[], extra: Partial<PoAck> = {}) =>
      () =>
        build855(ack(decisions, extra));
    expect(err([...allAccepted, { lineId: 'l9', status: 'IA', quantity: 1 }])).toThrow(
      'decisions[3] names line "l9", which is not a line of the order',
    );
    expect(err(allAccepted.slice(0, 2))).toThrow('line "l3" (Walk-in Cold Room Kit');
    expect(err([...allAccepted, { lineId: 'l3', status: 'IB', quantity: 1 }])).toThrow(
      'the decisions for line "l3" cover 13 units but 12 were ordered',
    );
    expect(err([{ lineId: 'l1', status: 'IA', quantity: 0 }, ...allAccepted.slice(1)])).toThrow(
      'decisions[0] (IA) has quantity 0',
    );
    expect(err([{ lineId: 'l1', status: 'IA', quantity: 2.5 }, ...allAccepted.slice(1)])).toThrow(
      'whole number',
    );
    expect(
      err([
        { lineId: 'l1', status: 'IA', quantity: 24, expectedShipDate: '2024-03-20' },
        ...allAccepted.slice(1),
      ]),
    ).toThrow('only IB carries one');
    expect(
      err([
        ...allAccepted.slice(0, 2),
        { lineId: 'l3', status: 'IB', quantity: 12, expectedShipDate: '2024-02-30' },
      ]),
    ).toThrow('must be a date YYYY-MM-DD, got "2024-02-30"');
    expect(err(allAccepted, { date: '03/02/2024' })).toThrow('the acknowledgment date must be a date');
    expect(err(allAccepted, { controlNumber: '12' })).toThrow('control number (ST02)');
    expect(err(allAccepted, { version: '003060' })).toThrow('version "003060" is not supported');
    expect(err(allAccepted, { order: makeOrder({ b2b: undefined }) })).toThrow(
      'has no purchase order number',
    );
    expect(err(allAccepted)).not.toThrow();
    expect(err([{ lineId: 'l9', status: 'IA', quantity: 1 }])).toThrow(OutboundError);
  });
});

const ssccA = buildSscc({ extensionDigit: 0, companyPrefix: '0871234', serial: 1001 });
const ssccB = buildSscc({ extensionDigit: 0, companyPrefix: '0871234', serial: 1002 });

const notice = (extra: Partial<ShipNotice> = {}): ShipNotice => ({
  order,
  shipmentId: 'SHP-240305-01',
  shippedAt: '2024-03-05T14:30:00-05:00',
  carrierScac: 'UPSN',
  carrierName: 'UPS',
  serviceLevel: 'Ground',
  trackingNumber: '1Z999AA10123456784',
  shipFrom: {
    company: 'Acme Housewares',
    line1: '77 Foundry Road',
    city: 'Dayton',
    region: 'OH',
    postalCode: '45402',
    country: 'US',
  },
  packages: [
    {
      sscc: ssccA,
      weightGrams: 8200,
      lines: [
        { lineId: 'l1', quantity: 24 },
        { lineId: 'l2', quantity: 6 },
      ],
    },
    {
      sscc: ssccB,
      weightGrams: 15_400,
      lines: [
        { lineId: 'l2', quantity: 6 },
        { lineId: 'l3', quantity: 1 },
      ],
    },
  ],
  controlNumber: '0002',
  version: '004010',
  ...extra,
});

describe('856 ship notice, pick and pack', () => {
  it('builds Shipment → Order → Pack → Item for 2 cartons (golden)', () => {
    expect(ssccA).toBe('008712340000010017');
    expect(ssccB).toBe('008712340000010024');
    const segments = build856(notice());
    expectGolden('856-pick-pack.txt', segments);
    expectWellFormed(segments, '856', '0002');
    expect(find(segments, 'BSN')[0]!.elements).toEqual(['00', 'SHP-240305-01', '20240305', '1430', '0001']);
  });

  it('numbers HL sequentially with each level pointing at its parent', () => {
    const hls = find(build856(notice()), 'HL').map((s) => s.elements);
    expect(hls).toEqual([
      ['1', '', 'S'],
      ['2', '1', 'O'],
      ['3', '2', 'P'],
      ['4', '3', 'I'],
      ['5', '3', 'I'],
      ['6', '2', 'P'],
      ['7', '6', 'I'],
      ['8', '6', 'I'],
    ]);
    const withCodes = find(build856(notice({ hlChildCodes: true })), 'HL').map((s) => s.elements[3]);
    expect(withCodes).toEqual(['1', '1', '1', '0', '0', '1', '0', '0']);
  });

  it('puts each carton MAN*GM before its items, with the AI 00 by default or the bare SSCC on request', () => {
    const segments = build856(notice());
    const ids = segments.map((s) => s.id);
    expect(find(segments, 'MAN').map((s) => s.elements)).toEqual([
      ['GM', `00${ssccA}`],
      ['GM', `00${ssccB}`],
    ]);
    expect(ids.indexOf('MAN')).toBe(ids.indexOf('HL', ids.indexOf('PRF')) + 1);
    expect(find(build856(notice({ marks: 'sscc' })), 'MAN').map((s) => s.elements[1])).toEqual([
      ssccA,
      ssccB,
    ]);
  });

  it('counts HL segments in CTT01 by default, item levels on request', () => {
    expect(find(build856(notice()), 'CTT')[0]!.elements).toEqual(['8']);
    expect(find(build856(notice({ lineItemCount: 'items' })), 'CTT')[0]!.elements).toEqual(['4']);
  });

  it('gives the shipment TD1: carton count and gross weight in pounds (default) or kilograms', () => {
    // 23,600 g = 52.0291… lb.
    expect(find(build856(notice()), 'TD1')[0]!.elements).toEqual([
      'CTN',
      '2',
      '',
      '',
      '',
      'G',
      '52.03',
      'LB',
    ]);
    expect(find(build856(notice({ weightUnit: 'KG' })), 'TD1')[0]!.elements).toEqual([
      'CTN',
      '2',
      '',
      '',
      '',
      'G',
      '23.6',
      'KG',
    ]);
    // Without a weight for every carton, the count alone.
    const unweighed = notice();
    unweighed.packages = unweighed.packages.map(({ weightGrams: _, ...p }, i) =>
      i === 0 ? p : { ...p, weightGrams: 1 },
    );
    expect(find(build856(unweighed), 'TD1')[0]!.elements).toEqual(['CTN', '2']);
    // 1 g still weighs something.
    const light = notice({
      packages: [{ sscc: ssccA, weightGrams: 1, lines: [{ lineId: 'l1', quantity: 1 }] }],
    });
    expect(el(build856(light), 'TD1', 7)).toBe('0.01');
  });

  it('writes carrier and references only as far as they are known', () => {
    const bare = build856(
      notice({
        carrierScac: undefined,
        carrierName: undefined,
        serviceLevel: undefined,
        trackingNumber: undefined,
        billOfLading: 'BOL7781',
      }),
    );
    expect(find(bare, 'TD5')).toEqual([]);
    expect(find(bare, 'REF', 'CN')).toEqual([]);
    expect(find(bare, 'REF', 'BM')[0]!.elements).toEqual(['BM', 'BOL7781']);
    const named = build856(notice({ carrierScac: undefined, serviceLevel: undefined }));
    expect(find(named, 'TD5')[0]!.elements).toEqual(['', '', '', '', 'UPS']);
  });

  it('names the ship-to by its name when the order has no location code', () => {
    const o = makeOrder({
      shippingAddress: { ...draft.shippingAddress, locationCode: undefined },
      b2b: { ...draft.b2b!, shipToLocationCode: undefined },
    });
    const segments = build856(notice({ order: o }));
    expect(find(segments, 'N1', 'ST')[0]!.elements).toEqual(['ST', 'NORTHWIND STORES DC 0042']);
  });

  it('refuses a ship notice the partner would charge back for', () => {
    const err = (extra: Partial<ShipNotice>) => () => build856(notice(extra));
    const one = (lines: { lineId: string; quantity: number }[], sscc = ssccA) => ({
      packages: [{ sscc, lines }],
    });
    expect(err(one([{ lineId: 'l7', quantity: 1 }]))).toThrow(
      'packages[0].lines[0] names line "l7", which is not a line of the order',
    );
    expect(err(one([{ lineId: 'l1', quantity: 0 }]))).toThrow(
      'ships 0 of line "l1"; a quantity is a whole number above 0',
    );
    expect(err(one([{ lineId: 'l1', quantity: -2 }]))).toThrow('ships -2 of line "l1"');
    expect(err(one([{ lineId: 'l1', quantity: 1.5 }]))).toThrow('ships 1.5 of line "l1"');
    expect(err(one([{ lineId: 'l2', quantity: 13 }]))).toThrow(
      'the packages ship 13 of line "l2" but only 12 are ordered',
    );
    expect(err(one([{ lineId: 'l1', quantity: 1 }], '008712340000010018'))).toThrow(
      'packages[0] has SSCC 008712340000010018 with check digit 8; the GS1 check digit of 00871234000001001 is 7',
    );
    expect(err(one([{ lineId: 'l1', quantity: 1 }], `00${ssccA}`))).toThrow('give it without the "00" AI');
    expect(err(one([{ lineId: 'l1', quantity: 1 }], '12345'))).toThrow('an SSCC is 18 digits');
    // The shared sample's MAN02, without its AI: not a valid SSCC (its check digit should be 3).
    expect(err(one([{ lineId: 'l1', quantity: 1 }], '000715670002152360'))).toThrow(
      'the GS1 check digit of 00071567000215236 is 3',
    );
    expect(err(one([]))).toThrow('packages[0] (SSCC 008712340000010017) contains no lines');
    expect(err({ packages: [] })).toThrow('at least one package');
    expect(
      err({
        packages: [
          { sscc: ssccA, lines: [{ lineId: 'l1', quantity: 1 }] },
          { sscc: ssccA, lines: [{ lineId: 'l2', quantity: 1 }] },
        ],
      }),
    ).toThrow('packages[1] repeats SSCC 008712340000010017');
    expect(
      err(
        one([
          { lineId: 'l1', quantity: 1 },
          { lineId: 'l1', quantity: 2 },
        ]),
      ),
    ).toThrow('lists line "l1" twice in one package');
    expect(
      err({ packages: [{ sscc: ssccA, weightGrams: 0, lines: [{ lineId: 'l1', quantity: 1 }] }] }),
    ).toThrow('weighs 0 g');
    expect(err({ shipmentId: 'X' })).toThrow('the shipment id (BSN02) "X" must be 2 to 30 characters');
    expect(err({ shipmentId: 'S'.repeat(31) })).toThrow('must be 2 to 30 characters');
    expect(err({ shippedAt: '2024-03-05 14:30' })).toThrow(
      'shippedAt must be an ISO datetime with an offset',
    );
    expect(err({ carrierScac: 'UPS GROUND' })).toThrow('is not a SCAC');
    expect(err({ shipFrom: { country: 'US' } })).toThrow('shipFrom needs a name');
    expect(err({ order: makeOrder({ shippingAddress: undefined, b2b: { poNumber: 'PO88123' } }) })).toThrow(
      'the order has no ship-to',
    );
    expect(err({})).not.toThrow();
  });

  it('refuses an item with nothing to identify it in LIN', () => {
    const o = makeOrder({
      lines: [
        { id: 'x', title: 'Mystery', quantity: { ordered: 1 }, unitPrice: { amount: 100, currency: 'USD' } },
      ],
    });
    expect(() =>
      build856(notice({ order: o, packages: [{ sscc: ssccA, lines: [{ lineId: 'x', quantity: 1 }] }] })),
    ).toThrow('line "x" (Mystery) has no buyer part, vendor part, UPC or SKU for LIN');
  });
});

const invoice = (extra: Partial<Invoice> = {}): Invoice => ({
  order,
  invoiceNumber: 'INV-2024-00731',
  invoiceDate: '2024-03-06',
  lines: [
    { lineId: 'l1', quantity: 24 },
    { lineId: 'l2', quantity: 12 },
    { lineId: 'l3', quantity: 12 },
  ],
  shipping: { amount: 4500, currency: 'USD' },
  controlNumber: '0003',
  version: '004010',
  remitTo: {
    company: 'Acme Housewares Receivables',
    line1: 'PO Box 4410',
    city: 'Dayton',
    region: 'OH',
    postalCode: '45401',
    country: 'US',
  },
  ...extra,
});

describe('810 invoice', () => {
  it('invoices the shipped lines with freight (golden)', () => {
    const segments = build810(invoice());
    expectGolden('810-invoice.txt', segments);
    expectWellFormed(segments, '810', '0003');
    expect(find(segments, 'BIG')[0]!.elements).toEqual(['20240306', 'INV-2024-00731', '20240301', 'PO88123']);
  });

  it('totals TDS exactly with BigInt beyond 2^31 cents, up to the 15 digits TDS01 holds', () => {
    const segments = build810(invoice());
    // 24 × 9.25 + 12 × 24.00 + 12 × 1,999,999.99 + 45.00 freight.
    const expected = 24n * 925n + 12n * 2400n + 12n * 199_999_999n + 4500n;
    expect(expected).toBe(2_400_055_488n);
    expect(expected > 2n ** 31n).toBe(true);
    expect(find(segments, 'TDS')[0]!.elements).toEqual([expected.toString()]);
    expect(find(segments, 'SAC')[0]!.elements).toEqual(['C', 'G830', '', '', '4500']);
    // A line whose total has 15 digits is exact; one more unit makes 16 digits, which N2 1/15 cannot carry.
    const zero = { amount: 0, currency: 'USD' };
    const bulk = makeOrder({
      lines: [
        {
          id: 'h',
          title: 'Bulk',
          quantity: { ordered: 20_000 },
          unitPrice: { amount: 99_999_999_999, currency: 'USD' },
          sku: 'BULK',
        },
      ],
      // The order's own totals would leave the safe range; the invoice bills part of it.
      totals: { items: zero, discount: zero, shipping: zero, tax: zero, total: zero },
    });
    const bill = (quantity: number) =>
      build810(invoice({ order: bulk, lines: [{ lineId: 'h', quantity }], shipping: undefined }));
    expect(el(bill(9_999), 'TDS', 1)).toBe('999899999990001');
    expect(el(bill(9_999), 'TDS', 1)).toBe((99_999_999_999n * 9_999n).toString());
    expect(find(bill(9_999), 'SAC')).toEqual([]);
    expect(() => bill(10_001)).toThrow(
      'the invoice total (TDS01) (1000099999989999 hundredths) exceeds 15 digits',
    );
  });

  it('bills only what is listed, numbers IT1 by the 850 line, counts IT1 in CTT', () => {
    const segments = build810(
      invoice({ lines: [{ lineId: 'l2', quantity: 6 }], shipping: { amount: 0, currency: 'USD' } }),
    );
    expect(find(segments, 'IT1').map((s) => s.elements)).toEqual([
      ['2', '6', 'EA', '24', '', 'VN', 'SKL-10'],
    ]);
    expect(el(segments, 'TDS', 1)).toBe('14400');
    expect(find(segments, 'SAC')).toEqual([]);
    expect(el(segments, 'CTT', 1)).toBe('1');
    expect(el(segments, 'SE', 1)).toBe(String(segments.length));
  });

  it('writes ITD from the terms the 850 gave, ZZ for a code that is not an ITD01 code', () => {
    expect(find(build810(invoice()), 'ITD')[0]!.elements).toEqual([
      '08',
      '3',
      '2',
      '',
      '10',
      '',
      '30',
      '',
      '',
      '',
      '',
      '2% 10 NET 30',
    ]);
    const net = makeOrder({ b2b: { ...draft.b2b!, paymentTerms: { code: 'NET45', netDays: 45 } } });
    expect(find(build810(invoice({ order: net })), 'ITD')[0]!.elements).toEqual([
      'ZZ',
      '3',
      '',
      '',
      '',
      '',
      '45',
    ]);
    // A percent without its days cannot be sent (ITD03 needs ITD04, 05 or 13): the net terms go alone.
    const half = makeOrder({ b2b: { ...draft.b2b!, paymentTerms: { discountPercent: '1.5', netDays: 30 } } });
    expect(find(build810(invoice({ order: half })), 'ITD')[0]!.elements).toEqual([
      'ZZ',
      '3',
      '',
      '',
      '',
      '',
      '30',
    ]);
    const none = makeOrder({ b2b: { ...draft.b2b!, paymentTerms: undefined } });
    expect(find(build810(invoice({ order: none })), 'ITD')).toEqual([]);
  });

  it('converts other currencies to N2 hundredths and says which currency with CUR', () => {
    const yen = makeOrder({
      currency: 'JPY',
      lines: [
        {
          id: 'y',
          externalId: '1',
          title: 'Tea bowl',
          quantity: { ordered: 3 },
          unitPrice: { amount: 1500, currency: 'JPY' },
          sku: 'TB-1',
        },
      ],
    });
    const segments = build810(
      invoice({
        order: yen,
        lines: [{ lineId: 'y', quantity: 3 }],
        shipping: { amount: 800, currency: 'JPY' },
      }),
    );
    expect(find(segments, 'CUR')[0]!.elements).toEqual(['SE', 'JPY']);
    expect(el(segments, 'IT1', 4)).toBe('1500');
    expect(el(segments, 'TDS', 1)).toBe('530000');
    expect(el(segments, 'SAC', 5)).toBe('80000');
    const dinar = makeOrder({
      currency: 'KWD',
      lines: [
        {
          id: 'k',
          title: 'Lamp',
          quantity: { ordered: 1 },
          unitPrice: { amount: 12_345, currency: 'KWD' },
          sku: 'L',
        },
      ],
    });
    expect(() =>
      build810(invoice({ order: dinar, lines: [{ lineId: 'k', quantity: 1 }], shipping: undefined })),
    ).toThrow('the invoice total (TDS01) (12.345 KWD) has more than the 2 decimals N2 carries');
  });

  it('refuses an invoice that does not match the order', () => {
    const err = (extra: Partial<Invoice>) => () => build810(invoice(extra));
    expect(err({ lines: [{ lineId: 'nope', quantity: 1 }] })).toThrow('lines[0] names line "nope"');
    expect(err({ lines: [{ lineId: 'l1', quantity: 0 }] })).toThrow('bills 0 of line "l1"');
    expect(err({ lines: [{ lineId: 'l1', quantity: 25 }] })).toThrow(
      'bills 25 of line "l1" but 24 were ordered',
    );
    expect(
      err({
        lines: [
          { lineId: 'l1', quantity: 1 },
          { lineId: 'l1', quantity: 1 },
        ],
      }),
    ).toThrow('lines[1] bills line "l1" a second time');
    expect(err({ lines: [] })).toThrow('at least one line');
    expect(err({ shipping: { amount: 500, currency: 'EUR' } })).toThrow('the shipping charge is in EUR');
    expect(err({ invoiceNumber: 'I'.repeat(23) })).toThrow('the invoice number (BIG02)');
    expect(err({ invoiceDate: '2024-13-01' })).toThrow('the invoice date must be a date');
    expect(err({})).not.toThrow();
  });
});

describe('what we send passes our own validator (full definition, strict)', () => {
  const delimiters = { element: '*', component: '>', segment: '~' };
  it.each(['004010', '005010'])('855, 856 and 810 in %s', (version) => {
    const documents = {
      '855': build855(ack(allAccepted, { version })),
      '856': build856(notice({ version })),
      '810': build810(invoice({ version })),
    };
    for (const [kind, set] of Object.entries(documents)) {
      expect(check(kind, version, set, delimiters), `${kind} ${version}`).toEqual([]);
    }
  });

  it('names what is wrong in a broken document: a mandatory segment gone, an element too long', () => {
    const set = build855(ack(allAccepted));
    const withoutBak = set.filter((s) => s.id !== 'BAK');
    withoutBak[withoutBak.length - 1] = { id: 'SE', elements: [String(withoutBak.length), '0001'] };
    expect(check('855', '004010', withoutBak, delimiters).join('\n')).toMatch(
      /mandatory segment BAK is missing/,
    );
    const long = set.map((s) =>
      s.id === 'BAK' ? { ...s, elements: s.elements.map((e, i) => (i === 2 ? 'P'.repeat(30) : e)) } : s,
    );
    expect(check('855', '004010', long, delimiters).join('\n')).toMatch(/BAK03 .* is longer than 22/);
  });
});
