import { describe, expect, it } from 'vitest';
import { ackInterchange, partnerEnvelope } from '../src/ack.ts';
import { type ReadOptions, readInterchangesSync } from '../src/envelope.ts';
import { x12 } from '../src/index.ts';
import { inspect } from '../src/inspect.ts';
import { readingFor } from '../src/settings.ts';

/**
 * A file from a known partner carries the partner's ids and ours, in the version agreed with it. The ISA's ids and
 * version are the interchange's (TA1); GS02, GS03 and GS08 the functional group's (AK9 R with its AK905 code):
 * nothing from a group or interchange that is not the partner's, not for us, or in another version is imported.
 */

const PROFILE = {
  partner: { qualifier: 'ZZ', id: 'RETAILER' },
  us: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
  version: '004010',
  acknowledgments: { functional: '997' as const },
};

interface Envelope {
  isaSender?: string;
  isaQualifier?: string;
  isaVersion?: string;
  gsSender?: string;
  gsReceiver?: string;
  gsVersion?: string;
}

/** A one-line 850 from the partner, its envelope as given. */
function file(e: Envelope = {}): string {
  const isa = [
    'ISA',
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    e.isaQualifier ?? 'ZZ',
    (e.isaSender ?? 'RETAILER').padEnd(15),
    'ZZ',
    'ACMESUPPLY'.padEnd(15),
    '261130',
    '1504',
    'U',
    e.isaVersion ?? '00401',
    '000000701',
    '0',
    'P',
    '>',
  ].join('*');
  return [
    isa,
    `GS*PO*${e.gsSender ?? 'RETAILER'}*${e.gsReceiver ?? 'ACMESUPPLY'}*20261130*1504*701*X*${e.gsVersion ?? '004010'}`,
    'ST*850*0001',
    'BEG*00*SA*PO-701**20261130',
    'N1*ST*STORE 42*92*0042',
    'PO1*1*2*EA*12.50*PE*BP*BP-100',
    'SE*5*0001',
    'GE*1*701',
    'IEA*1*000000701',
  ]
    .map((s) => `${s}~\n`)
    .join('');
}

/** The file as the hub reads it for the profile (none: as `edi inspect` without --partner does). */
function read(text: string, given: typeof PROFILE | 'none' = PROFILE) {
  const profile = given === 'none' ? undefined : given;
  const options: ReadOptions = { keep: () => true, ...readingFor(profile) };
  const ic = readInterchangesSync(text, options).interchanges[0]!;
  const env = partnerEnvelope(profile, new Date('2026-11-30T15:04:00Z'));
  return {
    ic,
    group: ic.groups[0],
    ack: ic.groups[0]
      ? ackInterchange(ic, { group: ic.groups[0] }, { isa: '1', gs: '1', st: '0001' }, env)
      : '',
    ta1: ic.ta1 ? ackInterchange(ic, { ta1: true }, { isa: '2' }, env) : '',
  };
}

describe('the functional group against the partner’s profile', () => {
  it('accepts the partner’s own group', () => {
    const { group, ack } = read(file());
    expect(group).toMatchObject({ status: 'A', codes: [] });
    expect(ack).toContain('AK9*A*1*1*1~');
  });

  it.each([
    [
      'GS02 of another sender',
      { gsSender: 'OTHERCO' },
      /GS02 "OTHERCO" is not this partner's application sender code \(RETAILER\)/,
    ],
    [
      'GS03 for another receiver',
      { gsReceiver: 'SOMEONE' },
      /GS03 "SOMEONE" is not our application receiver code \(ACMESUPPLY\)/,
    ],
  ])('rejects %s: AK9 R, AK905 1 (functional group not supported)', (_, envelope, why) => {
    const { group, ack } = read(file(envelope));
    expect(group).toMatchObject({ status: 'R', codes: ['1'] });
    expect(group!.problems).toEqual([expect.stringMatching(why)]);
    // The set itself was fine; the group is refused as a whole and none of it counts as accepted.
    expect(ack).toContain('AK5*A~');
    expect(ack).toContain('AK9*R*1*1*0*1~');
  });

  it('rejects a GS08 in another version (99999, or 005010 from a 004010 partner): AK905 2, answered in 004010', () => {
    for (const gsVersion of ['99999', '005010']) {
      const { group, ack } = read(file({ gsVersion }));
      expect(group, gsVersion).toMatchObject({ status: 'R', codes: ['2'] });
      expect(group!.problems).toEqual([
        `GS08 "${gsVersion}" is not the version agreed with this partner (004010)`,
      ]);
      expect(ack).toContain('AK9*R*1*1*0*2~');
      // Our 997 is in the version agreed with the partner, whatever it sent: GS08 004010, AK1 of two elements.
      expect(ack).toMatch(/GS\*FA\*ACMESUPPLY\*RETAILER\*\d{8}\*\d{4}\*1\*X\*004010~/);
      expect(ack).toContain('AK1*PO*701~');
    }
  });

  it('accepts a version with an industry suffix (004010VICS)', () => {
    expect(read(file({ gsVersion: '004010VICS' })).group).toMatchObject({ status: 'A' });
  });

  it('reads the GS ids from the profile when they differ from the ISA ids (gsId)', () => {
    const profile = {
      ...PROFILE,
      partner: { ...PROFILE.partner, gsId: 'RETAILERGS' },
      us: { ...PROFILE.us, gsId: '0614141000009' },
    };
    expect(read(file({ gsSender: 'RETAILERGS', gsReceiver: '0614141000009' }), profile).group).toMatchObject({
      status: 'A',
    });
    expect(read(file(), profile).group).toMatchObject({ status: 'R', codes: ['1'] });
  });

  it('checks nothing of the kind without a profile (edi inspect with no --partner)', () => {
    expect(read(file({ gsSender: 'OTHERCO', gsVersion: '005010' }), 'none').group).toMatchObject({
      status: 'A',
    });
  });
});

describe('the interchange against the partner’s profile (TA1)', () => {
  it.each([
    ['an ISA12 that is no version (99999)', '017', { isaVersion: '99999' }],
    ['a version not the partner’s (00501 for 004010)', '003', { isaVersion: '00501' }],
    ['another sender id', '006', { isaSender: 'OTHERCO' }],
    ['the partner’s id under another qualifier', '005', { isaQualifier: '01' }],
  ])('rejects %s with TA1 R %s, and nothing in it is acknowledged or imported', (_, note, envelope) => {
    const { ic, ta1 } = read(file(envelope));
    expect(ic.ta1).toMatchObject({ status: 'R', note });
    expect(ic.groups).toEqual([]);
    expect(ta1).toContain(`TA1*000000701*261130*1504*R*${note}~`);
    // Answered in the partner's agreed interchange version, not the one sent.
    expect(ta1).toMatch(/^ISA(\*[^*]*){11}\*00401\*/);
  });

  it('refuses 99999 as an ISA12 even without a profile, and takes a real version then', () => {
    expect(read(file({ isaVersion: '99999' }), 'none').ic.ta1).toMatchObject({ status: 'R', note: '017' });
    expect(read(file({ isaVersion: '00501' }), 'none').ic.ta1).toBeNull();
  });
});

describe('where the partner’s profile is read', () => {
  it('edi inspect --partner reports the group rejected, with its 997', async () => {
    const report = await inspect(file({ gsSender: 'OTHERCO' }), {
      partner: {
        ...PROFILE,
        id: 'retailer',
        items: [],
        locations: [],
        conventions: { shipToLocation: 'N1*ST', vendorPartIsSku: true },
        currency: 'USD',
      },
    });
    const group = report.interchanges[0]!.groups[0]!;
    expect(group).toMatchObject({ status: 'R', codes: ['1'] });
    expect(group.ack).toContain('AK9*R*1*1*0*1~');
    expect(group.sets[0]!.order).toBeUndefined();
  });

  it('a replay (normalize with the partner’s settings) keeps a set of a rejected group rejected', () => {
    const settings = x12.settings.parse({
      ...PROFILE,
      transport: { kind: 'http', url: 'https://edi.retailer.example/in' },
      items: [{ buyerPartNumber: 'BP-100', sku: 'MUG-1' }],
      locations: [{ code: '0042', line1: '100 Main St', city: 'Columbus', postalCode: '43004' }],
    });
    const normalize = (text: string) =>
      x12.normalize(
        {
          body: new TextEncoder().encode(text),
          headers: {},
          contentType: 'application/edi-x12',
          receivedAt: new Date(),
        },
        {
          tenantId: 'acme',
          connectionId: 'retailer',
          settings,
          secrets: { inboundToken: 'retailer-inbound-token-0123456789' },
          now: () => new Date(),
        },
      );
    expect(() => normalize(file({ gsSender: 'OTHERCO' }))).toThrow(/GS02 "OTHERCO" is not this partner's/);
    expect(normalize(file())).toMatchObject({
      orders: [expect.objectContaining({ externalId: 'retailer:PO-701' })],
    });
  });
});
