import { randomBytes } from 'node:crypto';

/** The entities the fake keeps, by the names QuickBooks' answers use. */
export const FAKE_ENTITIES = [
  'SalesReceipt',
  'Invoice',
  'Payment',
  'RefundReceipt',
  'CreditMemo',
  'JournalEntry',
  'Purchase',
  'Customer',
  'Vendor',
] as const;
export type FakeEntity = (typeof FAKE_ENTITIES)[number];

/** An entity from its endpoint's name (`salesreceipt`), case-insensitively. */
export function entityOfResource(resource: string): FakeEntity | undefined {
  return FAKE_ENTITIES.find((e) => e.toLowerCase() === resource.toLowerCase());
}

/** A stored object, as QuickBooks would answer it. */
export type FakeObject = Record<string, unknown> & { Id: string; SyncToken: string };

/** One company (realm) in the fake books. */
export interface FakeRealm {
  id: string;
  companyName: string;
  nextId: number;
  objects: Map<FakeEntity, Map<string, FakeObject>>;
  /** Deleted objects, as CDC answers them: `{ status: "Deleted", Id, MetaData }`. */
  deleted: Map<FakeEntity, Map<string, FakeObject>>;
  /** requestid → the first answer (successful creates only). */
  requestIds: Map<string, { status: number; body: unknown }>;
  /** Calls in the current minute. */
  window: { start: number; count: number };
  inFlight: number;
  maxInFlight: number;
}

export function newRealm(id: string, companyName = `Fake Company ${id}`): FakeRealm {
  return {
    id,
    companyName,
    nextId: 100,
    objects: new Map(),
    deleted: new Map(),
    requestIds: new Map(),
    window: { start: 0, count: 0 },
    inFlight: 0,
    maxInFlight: 0,
  };
}

export function objectsOf(realm: FakeRealm, entity: FakeEntity): Map<string, FakeObject> {
  let map = realm.objects.get(entity);
  if (!map) {
    map = new Map();
    realm.objects.set(entity, map);
  }
  return map;
}

/** A random token with a readable prefix (long enough that core's scrubbing hides it). */
export const token = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

/** QuickBooks' timestamps: ISO 8601 with the company's offset (the fake's companies are in US Pacific, -08:00). */
export function qboTime(ms: number): string {
  return `${new Date(ms - 8 * 3_600_000).toISOString().slice(0, 19)}-08:00`;
}

/** A Fault body, as QuickBooks answers an error. */
export function fault(
  code: string,
  message: string,
  detail?: string,
  element?: string,
  type = 'ValidationFault',
) {
  return {
    Fault: {
      Error: [
        { Message: message, Detail: detail ?? message, code, ...(element !== undefined ? { element } : {}) },
      ],
      type,
    },
    time: qboTime(Date.now()),
  };
}

/** A refusal of a create, carried from the ledger to the route. */
export class FakeFault extends Error {
  constructor(
    readonly status: number,
    readonly body: ReturnType<typeof fault>,
  ) {
    super(body.Fault.Error[0]!.Message);
  }
}

export const refuse = (code: string, message: string, detail?: string, element?: string): never => {
  throw new FakeFault(400, fault(code, message, detail, element));
};

/** A grant: one authorization of one company, its refresh token rotated on every refresh. */
export interface FakeGrant {
  realm: string;
  refreshToken: string;
  /** Refresh tokens this grant answered before the current one: refused (invalid_grant). */
  superseded: Set<string>;
  revoked: boolean;
  refreshes: number;
}

/** Access tokens the fake issued. */
export interface FakeAccessToken {
  realm: string;
  grant: FakeGrant;
  expiresAt: number;
}

/** One call the accounting API answered. */
export interface FakeCall {
  method: string;
  realm: string;
  /** `salesreceipt`, `query`, `cdc`, `invoice/130`… */
  resource: string;
  status: number;
  requestid?: string;
  minorversion?: string;
  /** The query statement, for `query`. */
  query?: string;
  /** The JSON body of a create, as sent. */
  body?: unknown;
}

/** What the routes read and change of the fake (quickbooks.ts holds it). */
export interface FakeState {
  apiOrigin: string;
  oauthOrigin: string;
  authorizeOrigin: string;
  clientId: string;
  clientSecret: string;
  nextRealm: string;
  perMinute: number;
  concurrent: number;
  latencyMs: number;
  taxSkew: number;
  accessTokenLifetimeSeconds: number;
  now: () => number;
  codes: Map<string, { realm: string; redirectUri: string; used: boolean }>;
  grants: FakeGrant[];
  accessTokens: Map<string, FakeAccessToken>;
  calls: FakeCall[];
  tokenCalls: number;
  replays: number;
  throttleNext: number;
  lostAnswers: Map<FakeEntity, 'status' | 'drop'>;
  realm(id: string): FakeRealm;
}
