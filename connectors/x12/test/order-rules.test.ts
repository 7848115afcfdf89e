import { ORDER_RULES, priceProblem, quantityProblem } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { ackInterchange, partnerEnvelope } from '../src/ack.ts';
import { readInterchangesSync } from '../src/envelope.ts';
import { inspect } from '../src/inspect.ts';
import { purchaseOrder } from '../src/map-order.ts';
import type { Segment } from '../src/types.ts';
import { writeInterchange } from '../src/write.ts';

/**
 * An 850 whose PO1 quantity or unit price is valid X12 (any decimal) but no order line (0, -2, 1.5, a negative
 * price) is rejected at the edge, in the 997 or 999, pointing at the element, and nothing from it is imported.
 */

const AT = new Date('2026-11-30T15:04:00Z');

/** An 850 of one line, PO1 the 4th segment of the set (ST, BEG, N1, PO1), with `extra` segments after it. */
function file(po1: string[], options: { version?: string; extra?: Segment[]; header?: Segment[] } = {}) {
  const version = options.version ?? '004010';
  const body: Segment[] = [
    { id: 'BEG', elements: ['00', 'SA', 'PO-1', '', '20261130'] },
    ...(options.header ?? []),
    { id: 'N1', elements: ['ST', 'STORE 42', '92', '0042'] },
    { id: 'PO1', elements: po1 },
    ...(options.extra ?? []),
  ];
  return writeInterchange({
    sender: { qualifier: 'ZZ', id: 'RETAILER' },
    receiver: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
    control: '501',
    at: AT,
    usage: 'P',
    delimiters: { element: '*', component: '>', segment: '~', repetition: '^', suffix: '\n' },
    groups: [
      {
        functionalId: 'PO',
        sender: 'RETAILER',
        receiver: 'ACMESUPPLY',
        control: '501',
        version,
        sets: [
          [
            { id: 'ST', elements: ['850', '0001'] },
            ...body,
            { id: 'SE', elements: [String(body.length + 2), '0001'] },
          ],
        ],
      },
    ],
  });
}

const line = (quantity: string, price: string) => ['1', quantity, 'EA', price, 'PE', 'BP', 'BP-100'];

/** The set as read, and the acknowledgment the hub would send for its group (997 or 999). */
function verdict(text: string, kind: '997' | '999' = '997') {
  const ic = readInterchangesSync(text, { keep: () => true }).interchanges[0]!;
  const group = ic.groups[0]!;
  const env = partnerEnvelope({ acknowledgments: { functional: kind } }, AT);
  return {
    set: group.sets[0]!,
    group,
    ack: ackInterchange(ic, { group }, { isa: '1', gs: '1', st: '0001' }, env),
  };
}

describe('an 850 line the hub cannot import is rejected in the 997', () => {
  it.each([
    ['a quantity of 0', line('0', '12.50'), 2, '330', '7', '0'],
    ['a negative quantity', line('-2', '12.50'), 2, '330', '6', '-2'],
    ['a fractional quantity', line('1.5', '12.50'), 2, '330', '6', '1.5'],
    ['a negative unit price', line('2', '-12.50'), 4, '212', '6', '-12.50'],
  ])(
    '%s: AK3 PO1 at its position in its loop, AK4 at the element with the value, AK5 R',
    (_, po1, element, ref, code, value) => {
      const { set, group, ack } = verdict(file(po1));
      expect(set.status).toBe('R');
      expect(set.codes).toEqual(['5']);
      expect(group.status).toBe('R');
      expect(ack).toContain('AK2*850*0001~');
      expect(ack).toContain('AK3*PO1*4*PO1*8~');
      expect(ack).toContain(`AK4*${element}*${ref}*${code}*${value}~`);
      expect(ack).toContain('AK5*R*5~');
      expect(ack).toContain('AK9*R*1*1*0~');
      // Which line and why, in the words of core's rule.
      const error = set.errors.find((e) => e.level === 'element')!;
      expect(error.message).toContain('line 1 (PO101 "1")');
      expect(error.message).toContain(element === 2 ? ORDER_RULES.quantity : ORDER_RULES.price);
    },
  );

  it('reports a quantity and a price both wrong on one line once each, under one AK3', () => {
    const { ack } = verdict(file(line('-2', '-1.00')));
    expect(ack.match(/AK3\*/g)).toHaveLength(1);
    expect(ack).toContain('AK4*2*330*6*-2~');
    expect(ack).toContain('AK4*4*212*6*-1.00~');
  });

  it('gives the element one error: a value the standard already refuses is not reported twice', () => {
    const { set } = verdict(file(line('-2x', '12.50')));
    expect(set.errors.filter((e) => e.level === 'element')).toEqual([
      expect.objectContaining({ element: 2, code: '6', value: '-2x' }),
    ]);
  });

  it('accepts whole quantities however written, a zero price and an X12 ".50"', () => {
    for (const po1 of [line('2', '12.50'), line('2.0', '12.50'), line('2', '0'), line('3', '.50')]) {
      expect(verdict(file(po1)).set, po1.join('*')).toMatchObject({ status: 'A', errors: [] });
    }
  });

  it('counts lines: the error names the line it is on', () => {
    const { set } = verdict(
      file(line('2', '1.00'), { extra: [{ id: 'PO1', elements: ['B7', '-1', 'EA', '1.00'] }] }),
    );
    const error = set.errors.find((e) => e.level === 'element')!;
    expect(error).toMatchObject({ segment: 'PO1', position: 5, loop: 'PO1', element: 2 });
    expect(error.message).toContain('line 2 (PO101 "B7")');
  });

  it('checks the order total the hub reads (AMT*TT in the summary), not a line-level AMT it does not read', () => {
    const summary = [
      { id: 'CTT', elements: ['1'] },
      { id: 'AMT', elements: ['TT', '-25.00'] },
    ];
    const total = verdict(file(line('2', '12.50'), { extra: summary }));
    expect(total.set.status).toBe('R');
    expect(total.ack).toContain('AK3*AMT*6*CTT*8~');
    expect(total.ack).toContain('AK4*2*782*6*-25.00~');
    const lineAmount = verdict(
      file(line('2', '12.50'), { extra: [{ id: 'AMT', elements: ['1', '-1.00'] }] }),
    );
    expect(lineAmount.set.status).toBe('A');
  });

  it('reads amounts in the 850’s currency (CUR02): a negative KWD price with three decimals is caught', () => {
    const kwd = verdict(file(line('1', '-1.255'), { header: [{ id: 'CUR', elements: ['BY', 'KWD'] }] }));
    expect(kwd.ack).toContain('AK4*4*212*6*-1.255~');
  });
});

describe('the same in a 999', () => {
  it('says I12 (implementation pattern match failure) at the element, and IK5 I5', () => {
    const { ack } = verdict(file(line('-2', '12.50'), { version: '005010' }), '999');
    expect(ack).toContain('IK3*PO1*4*PO1*8~');
    expect(ack).toContain('IK4*2*330*I12*-2~');
    expect(ack).toContain('IK5*R*I5~');
  });

  it('keeps 5 beside I5 when the set also breaks the standard', () => {
    const both = file(line('-2', '12.50'), { version: '005010' }).replace(
      'BEG*00*SA*PO-1**20261130',
      'BEG*00*SA*PO-1**20261340',
    );
    const { ack } = verdict(both, '999');
    expect(ack).toContain('IK5*R*5*I5~');
    expect(ack).toMatch(/IK4\*5\*373\*8\*20261340~/);
  });
});

describe('the rule is core’s, in one place', () => {
  it('purchaseOrder (reached without a 997) says the same thing, in core’s words', () => {
    const po = purchaseOrder(
      [
        { id: 'ST', elements: ['850', '0001'] },
        { id: 'BEG', elements: ['00', 'SA', 'PO-1', '', '20261130'] },
        { id: 'N1', elements: ['ST', 'STORE', '', ''] },
        { id: 'N3', elements: ['1 MAIN ST'] },
        { id: 'N4', elements: ['COLUMBUS', 'OH', '43004', 'US'] },
        { id: 'PO1', elements: line('-2', '12.50') },
        { id: 'PO1', elements: ['2', '1', 'EA', '-3.00', 'PE', 'BP', 'BP-100'] },
      ],
      { groupDate: '20261130', groupTime: '1504', setControl: '0001' },
    );
    expect(po.problems).toContain(`line 1: quantity "-2" ${quantityProblem(-2)}`);
    expect(po.problems).toContain(`line 2: unit price "-3.00" ${priceProblem(-300)}`);
  });

  it('edi inspect reports the rejection and makes no order of the set', async () => {
    const report = await inspect(file(line('0', '12.50')));
    const set = report.interchanges[0]!.groups[0]!.sets[0]!;
    expect(set).toMatchObject({ status: 'R', codes: ['5'] });
    expect(set.errors).toContainEqual(
      expect.objectContaining({ segment: 'PO1', position: 4, element: 2, code: '7' }),
    );
    expect(set.order).toBeUndefined();
    expect(report.interchanges[0]!.groups[0]!.ack).toContain('AK4*2*330*7*0~');
  });
});
