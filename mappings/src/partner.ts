import { z } from 'zod';

/**
 * An X12 trading partner as the merchant agreed with it: who is who on the envelopes, which version and
 * delimiters we send, which acknowledgments and documents it expects and by when, how files travel, and the
 * tables that turn its item and location codes into ours. Pure data and lookups: no I/O.
 */

const Qualifier = z.string().regex(/^[A-Z0-9]{2}$/, 'an ISA qualifier is 2 characters such as ZZ, 01, 12');
const IsaId = z
  .string()
  .min(1)
  .max(15)
  .regex(/^[^*~]+$/, 'an ISA id has at most 15 characters and no delimiters');

export const Identity = z
  .object({
    /** ISA05 / ISA07. */
    qualifier: Qualifier,
    /** ISA06 / ISA08, without its padding. */
    id: IsaId,
    /** GS02 / GS03; the ISA id when absent. */
    gsId: z.string().min(2).max(15).optional(),
  })
  .strict();
export type Identity = z.infer<typeof Identity>;

const Delimiter = z.string().length(1);

export const HttpTransport = z
  .object({
    kind: z.literal('http'),
    /** Where we POST documents for the partner. */
    url: z.url(),
    /** Names an entry of the connection's secrets sent as a bearer token, when the partner wants one. */
    tokenSecret: z.string().optional(),
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .strict()
  .superRefine((t, ctx) => {
    // A token over plain http travels in clear to anyone on the path. Loopback stays allowed: a local relay or test.
    if (t.tokenSecret && /^http:/i.test(t.url) && !isLoopback(t.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `${t.url} is plain http, and the outbound token (${t.tokenSecret}) would be sent over it in clear: use an https:// URL`,
      });
    }
  });

function isLoopback(url: string): boolean {
  if (!URL.canParse(url)) return false; // z.url() reports it
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const SftpTransport = z
  .object({
    kind: z.literal('sftp'),
    host: z.string().min(1),
    port: z.number().int().positive().default(22),
    username: z.string().min(1),
    /** Names entries of the connection's secrets: a password, or a private key (and its passphrase). */
    passwordSecret: z.string().optional(),
    privateKeySecret: z.string().optional(),
    passphraseSecret: z.string().optional(),
    /** The server's host key as `ssh-keygen -lf` prints it: SHA256:… */
    hostKeySha256: z.string().regex(/^SHA256:[A-Za-z0-9+/]+=*$/, 'must look like SHA256:<base64>'),
    /** The partner's folder of files for us, and where they go once stored. */
    inboxDir: z.string().min(1),
    archiveDir: z.string().min(1).optional(),
    /** The folder we upload to. */
    outboxDir: z.string().min(1),
    /** How often the inbox is listed. */
    pollSeconds: z.number().int().min(5).default(60),
  })
  .strict();

export const ItemCrossReference = z
  .object({
    sku: z.string().min(1),
    buyerPartNumber: z.string().optional(),
    upc: z.string().optional(),
    vendorPartNumber: z.string().optional(),
  })
  .strict()
  .refine(
    (x) => x.buyerPartNumber || x.upc || x.vendorPartNumber,
    'an item needs a buyer part number, UPC or vendor part number',
  );

export const Location = z
  .object({
    /** The partner's code: a store or DC number (N104). */
    code: z.string().min(1),
    name: z.string().optional(),
    line1: z.string().min(1),
    line2: z.string().optional(),
    city: z.string().min(1),
    region: z.string().optional(),
    postalCode: z.string().min(1),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .default('US'),
  })
  .strict();
export type Location = z.infer<typeof Location>;

const Deadline = z.object({ hours: z.number().positive() }).strict();

export const TradingPartner = z
  .object({
    /** The partner's id in the hub: `POST /edi/<id>`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    name: z.string().optional(),
    /** Them, as their ISA and GS say. */
    partner: Identity,
    /** Us, as we appear to them. */
    us: Identity,
    /** The X12 version agreed with the partner: what we send (GS08), and the only one we accept from it. */
    version: z.enum(['004010', '005010']).default('004010'),
    /** P production, T test (ISA15 of what we send). */
    usage: z.enum(['P', 'T']).default('P'),
    delimiters: z
      .object({
        element: Delimiter.default('*'),
        component: Delimiter.default('>'),
        segment: Delimiter.default('~'),
        repetition: Delimiter.default('^'),
        /** What follows each segment terminator in what we write. */
        suffix: z.enum(['', '\n', '\r\n']).default('\n'),
      })
      .strict()
      .default({ element: '*', component: '>', segment: '~', repetition: '^', suffix: '\n' }),
    acknowledgments: z
      .object({
        /** TA1 on every interchange (besides the broken ones and those that ask, which always get one). */
        ta1: z.boolean().default(false),
        /** The functional acknowledgment we send: 997, or 999 (5010). */
        functional: z.enum(['997', '999']).default('997'),
        /** How long the partner has to acknowledge what we send before it becomes an exception. */
        expectWithinHours: z.number().positive().default(24),
      })
      .strict()
      .default({ ta1: false, functional: '997', expectWithinHours: 24 }),
    /** The documents the partner expects, and how long after the trigger each is due. */
    documents: z
      .object({
        '855': Deadline.optional(),
        '856': Deadline.optional(),
        '810': Deadline.optional(),
      })
      .strict()
      .default({}),
    transport: z.discriminatedUnion('kind', [HttpTransport, SftpTransport]),
    /** ISO 4217: the currency of the partner's prices (CUR02 overrides it). */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('USD'),
    items: z.array(ItemCrossReference).default([]),
    locations: z.array(Location).default([]),
    conventions: z
      .object({
        /** Where the ship-to store or DC number is: N104 of the N1*ST loop (default), or a REF qualifier. */
        shipToLocation: z
          .union([z.literal('N1*ST'), z.string().regex(/^REF\*[A-Z0-9]{2,3}$/)])
          .default('N1*ST'),
        /** A vendor part number (VN/VP) is the merchant's own SKU. */
        vendorPartIsSku: z.boolean().default(true),
      })
      .strict()
      .default({ shipToLocation: 'N1*ST', vendorPartIsSku: true }),
    /** GS1 company prefix for the SSCC-18 of each carton (7 to 10 digits). */
    gs1CompanyPrefix: z
      .string()
      .regex(/^\d{7,10}$/)
      .optional(),
  })
  .strict();
export type TradingPartner = z.infer<typeof TradingPartner>;
export type TradingPartnerInput = z.input<typeof TradingPartner>;

/** The SKU for a line's codes, through the partner's table; undefined when nothing matches (never a guess). */
export function skuFor(
  partner: Pick<TradingPartner, 'items' | 'conventions'>,
  codes: { sku?: string; buyerPartNumber?: string; upc?: string; vendorPartNumber?: string },
): string | undefined {
  for (const item of partner.items) {
    if (codes.buyerPartNumber && item.buyerPartNumber === codes.buyerPartNumber) return item.sku;
    if (codes.upc && item.upc && sameGtin(item.upc, codes.upc)) return item.sku;
    if (codes.vendorPartNumber && item.vendorPartNumber === codes.vendorPartNumber) return item.sku;
  }
  if (codes.sku) return codes.sku;
  if (codes.vendorPartNumber && partner.conventions.vendorPartIsSku) return codes.vendorPartNumber;
  return undefined;
}

/** UPC-A, EAN-13 and GTIN-14 of one item differ only by leading zeros. */
function sameGtin(a: string, b: string): boolean {
  return a.replace(/^0+/, '') === b.replace(/^0+/, '');
}

export function locationFor(partner: Pick<TradingPartner, 'locations'>, code: string): Location | undefined {
  return partner.locations.find((l) => l.code === code);
}
