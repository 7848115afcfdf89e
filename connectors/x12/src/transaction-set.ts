import { OMITTED, transactionSet } from './dictionary/index.ts';
import type { GroupResult, ReadOptions, SetResult } from './envelope-results.ts';
import { printable } from './reader.ts';
import { PurchaseOrderRules } from './rules.ts';
import type { Delimiters, Segment } from './types.ts';
import { checkValue, type SetError, SetValidator } from './validate.ts';

// One transaction set (ST to SE) as the envelope reader meets it: checked against its definition, or in its
// syntax only, and judged as the 997's AK2/AK5 say.

/**
 * Inbound, the sets the hub consumes are checked against their full definition; others (an 810 or 856 a
 * partner copies us on) are checked in their syntax only, so a partner's optional segments we never read cannot
 * get their file rejected. What we send is checked against the full definition (documents.ts).
 */
const DEEP = new Set(['850', '997', '999']);

/** A set being read: its ST, the segments so far and what they broke. */
export interface OpenSet {
  type: string;
  control: string;
  validator: SetValidator | undefined;
  count: number;
  errors: SetError[];
  segments: Segment[] | undefined;
}

/** A group being read: its result so far, and the set control numbers it has used. */
export interface OpenGroup {
  result: GroupResult;
  controls: Set<string>;
}

/** A set opened by its ST: validated deeply when the hub consumes its type, kept when the caller asks. */
export function openSet(options: ReadOptions, version: string, delimiters: Delimiters, st: Segment): OpenSet {
  const type = st.elements[0] ?? '';
  const def = transactionSet(type, version);
  const deep = def !== undefined && (options.deep ? options.deep(type) : DEEP.has(type));
  const set: OpenSet = {
    type,
    control: st.elements[1] ?? '',
    validator: deep
      ? new SetValidator(def!, delimiters, {
          unchecked: OMITTED[type] ?? [],
          // The values the hub imports from an 850 must keep core's order rules, checked here at the edge.
          ...(type === '850' ? { rules: new PurchaseOrderRules(options.currency) } : {}),
        })
      : undefined,
    count: 0,
    errors: [],
    segments: options.keep?.(type) ? [] : undefined,
  };
  feedSet(set, st);
  return set;
}

/** One more segment of the set. */
export function feedSet(set: OpenSet, segment: Segment): void {
  set.count++;
  set.segments?.push(segment);
  if (set.validator) {
    set.validator.segment(segment);
    return;
  }
  // Not validated against a definition: the syntax every set must keep.
  if (set.errors.length >= 100) return;
  if (!/^[A-Z][A-Z0-9]{1,2}$/.test(segment.id)) {
    set.errors.push({
      level: 'segment',
      code: '1',
      segment: clip(segment.id),
      position: set.count,
      message: `"${clip(segment.id)}" is not a segment ID`,
    });
    return;
  }
  const bad = segment.elements.findIndex((value) => checkValue(value, ANY)?.code === '6');
  if (bad >= 0) {
    set.errors.push({
      level: 'segment',
      code: '8',
      segment: segment.id,
      position: set.count,
      message: `${segment.id} has data element errors`,
    });
    set.errors.push({
      level: 'element',
      code: '6',
      segment: segment.id,
      position: set.count,
      element: bad + 1,
      message: `${segment.id}${String(bad + 1).padStart(2, '0')} ${checkValue(segment.elements[bad]!, ANY)!.message}`,
    });
  }
}

/**
 * The set judged at its SE (or without one, `why`): AK5 codes, element errors, problems in words. Records its
 * control number in the group, which it belongs to.
 */
export function finishSet(group: OpenGroup, set: OpenSet, se: Segment | undefined, why?: string): SetResult {
  const codes: string[] = [];
  const problems: string[] = [];
  const errors = set.validator ? withSegmentErrors(set.validator.finish()) : set.errors;
  if (!/^\d{3}$/.test(set.type)) {
    codes.push('6');
    problems.push(`ST01 "${set.type}" is not a transaction set identifier`);
  }
  if (!/^[A-Za-z0-9]{4,9}$/.test(set.control)) {
    codes.push('7');
    problems.push(`ST02 "${set.control}" is not a control number (4 to 9 characters)`);
  }
  if (!se) {
    codes.push('2');
    problems.push(`the transaction set has no SE (${why})`);
  } else {
    const count = se.elements[0] ?? '';
    if (!/^\d+$/.test(count) || Number(count) !== set.count) {
      codes.push('4');
      problems.push(`SE01 says ${count || 'nothing'} segments; the set has ${set.count} (ST to SE)`);
    }
    if ((se.elements[1] ?? '') !== set.control) {
      codes.push('3');
      problems.push(`SE02 "${se.elements[1] ?? ''}" does not match ST02 "${set.control}"`);
    }
  }
  if (group.controls.has(set.control)) {
    codes.push('23');
    problems.push(`transaction set control number ${set.control} is used twice in this group`);
  }
  group.controls.add(set.control);
  if (errors.length && !codes.includes('5')) codes.push('5');
  const expected = FUNCTIONAL_IDS[set.type];
  if (expected && expected !== group.result.functionalId && !group.result.warnings.length) {
    group.result.warnings.push(
      `GS01 is "${group.result.functionalId}" but a ${set.type} belongs in a "${expected}" group; accepted as sent`,
    );
  }
  const result: SetResult = {
    type: set.type,
    control: set.control,
    status: codes.length ? 'R' : 'A',
    codes,
    errors,
    problems,
    deep: set.validator !== undefined,
    ...(set.segments ? { segments: set.segments } : {}),
  };
  return result;
}

/** A simple element that accepts any printable text: the syntax check of sets read without a definition. */
const ANY = { ref: 0, name: 'element', type: 'AN', min: 0, max: Number.MAX_SAFE_INTEGER, req: 'O' } as const;

/** The AK3 line a set of AK4s hangs under: a segment with element errors gets its code 8 once. */
function withSegmentErrors(errors: SetError[]): SetError[] {
  const out: SetError[] = [];
  const marked = new Set<number>();
  for (const e of errors) {
    if (e.level === 'element' && !marked.has(e.position)) {
      // Its own AK3 comes first, unless the segment already has one (a "missing" AK3 at the same position names
      // another segment, the one that never came).
      if (
        !errors.some(
          (s) =>
            s.level === 'segment' && s.position === e.position && s.segment === e.segment && s.code !== '3',
        )
      ) {
        out.push({
          level: 'segment',
          code: '8',
          segment: e.segment,
          position: e.position,
          ...(e.loop ? { loop: e.loop } : {}),
          message: `${e.segment} has data element errors`,
        });
      }
      marked.add(e.position);
    }
    out.push(e);
  }
  return out;
}

/** GS01 for the sets the hub knows. */
export const FUNCTIONAL_IDS: Readonly<Record<string, string>> = {
  '850': 'PO',
  '855': 'PR',
  '856': 'SH',
  '810': 'IN',
  '997': 'FA',
  '999': 'FA',
  '860': 'PC',
  '865': 'CA',
  '846': 'IB',
  '820': 'RA',
  '940': 'OW',
  '945': 'SW',
  '753': 'GF',
  '754': 'GF',
  '214': 'QM',
  '204': 'SM',
  '990': 'GF',
  '824': 'AG',
  '864': 'TX',
  '832': 'SC',
  '852': 'PD',
  '816': 'OR',
  '830': 'PS',
  '862': 'SS',
  '875': 'OG',
  '880': 'GP',
  '812': 'CD',
  '180': 'AN',
  '869': 'RS',
  '870': 'RS',
};

export function clip(s: string): string {
  const shown = [...s.slice(0, 40)].map((c) => (c.charCodeAt(0) < 32 ? printable(c) : c)).join('');
  return s.length > 40 ? `${shown}…` : shown;
}
