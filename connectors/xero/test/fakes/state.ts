import { type FakeKind, type FakeLedger, fakeLedger } from './ledger.ts';
import type { Json } from './totals.ts';

export interface FakeTenant {
  tenantId: string;
  tenantName: string;
}

/** Xero's limits per organisation, and how fast the fake's minute and day pass ("scalable"). */
export interface FakeLimits {
  perMinute: number;
  perDay: number;
  concurrent: number;
  /** The length of the fake's "minute" (default 60,000 ms; shorter runs the limits faster). */
  minuteMs: number;
  /** The length of the fake's "day" (default 86,400,000 ms). */
  dayMs: number;
}

export interface FakeXeroOptions {
  apiOrigin?: string;
  identityOrigin?: string;
  loginOrigin?: string;
  clientId?: string;
  clientSecret?: string;
  webhookKey?: string;
  tenants?: FakeTenant[];
  accessTokenSeconds?: number;
  limits?: Partial<FakeLimits>;
  /** Cents added to the first taxed line's tax of each document (Xero rounding its own way): -1, 0 or 1. */
  taxDrift?: number;
  taxRates?: Record<string, number>;
  /** How long a create's answer is replayed under its Idempotency-Key (Xero: minutes). */
  idempotencyWindowMs?: number;
  /** Each Accounting API answer waits this long (to see the concurrency gate at work). */
  latencyMs?: number;
  now?: () => number;
}

/** One Accounting API request the fake answered. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  tenant: string | null;
  idempotencyKey: string | null;
  ifModifiedSince: string | null;
  status: number;
  /** The JSON body sent (creates). */
  body?: unknown;
}

/** The fake's state, shared by its routes. */
export function fakeState(options: FakeXeroOptions) {
  const now = options.now ?? Date.now;
  const strip = (url: string) => url.replace(/\/+$/, '');
  const state = {
    apiOrigin: strip(options.apiOrigin ?? 'https://api.xero.com'),
    identityOrigin: strip(options.identityOrigin ?? 'https://identity.xero.com'),
    loginOrigin: strip(options.loginOrigin ?? 'https://login.xero.com'),
    clientId: options.clientId ?? 'XERO-FAKE-CLIENT-ID-0123456789AB',
    clientSecret: options.clientSecret ?? 'xero-fake-client-secret-0123456789abcdef',
    webhookKey: options.webhookKey ?? 'xero-fake-webhook-key-0123456789abcdefghij',
    tenants: options.tenants ?? [
      { tenantId: '2b7a1c4e-5f3d-4e8a-9b6c-0d1e2f3a4b5c', tenantName: 'Demo Company (US)' },
    ],
    /** Which tenants the next consent reaches (default every tenant of the fake). */
    consentTenants: undefined as string[] | undefined,
    accessTokenSeconds: options.accessTokenSeconds ?? 1800,
    limits: {
      perMinute: 60,
      perDay: 5000,
      concurrent: 5,
      minuteMs: 60_000,
      dayMs: 86_400_000,
      ...options.limits,
    } satisfies FakeLimits,
    taxDrift: options.taxDrift ?? 0,
    taxRates: options.taxRates ?? {},
    idempotencyWindowMs: options.idempotencyWindowMs ?? 6 * 60_000,
    latencyMs: options.latencyMs ?? 0,
    now,
    codes: new Map<
      string,
      { redirectUri: string; challenge: string; scopes: string[]; tenants: string[]; expiresAt: number }
    >(),
    grants: new Map<
      string,
      { tenants: string[]; scopes: string[]; refreshToken: string; revoked: boolean }
    >(),
    accessTokens: new Map<string, { grantId: string; expiresAt: number }>(),
    tokenCalls: 0,
    refusedRefreshes: 0,
    ledgers: new Map<string, FakeLedger>(),
    /** Creates answered, by `tenant\0Idempotency-Key`, replayed within the window. */
    idempotency: new Map<string, { fingerprint: string; status: number; body: Json; at: number }>(),
    /** Answers to lose: the create is made, then the connection drops. */
    lose: new Map<FakeKind, (() => void)[]>(),
    throttle: { count: 0, problem: 'minute' as 'minute' | 'day' | 'concurrent', retryAfterSeconds: 1 },
    usage: new Map<string, { minute: number[]; dayStart: number; day: number; inFlight: number }>(),
    appMinute: [] as number[],
    maxInFlight: 0,
    requests: [] as FakeRequest[],
    webhookSequence: 0,
    /** The grant of a `Bearer` header's access token, while it is valid. */
    grantOf(authorization: string | null) {
      const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
      const access = given ? state.accessTokens.get(given) : undefined;
      if (!access || access.expiresAt <= state.now()) return undefined;
      const grant = state.grants.get(access.grantId);
      return grant && !grant.revoked ? grant : undefined;
    },
    ledger(tenant: string): FakeLedger {
      let ledger = state.ledgers.get(tenant);
      if (!ledger) {
        ledger = fakeLedger({
          totals: () => ({ taxRates: state.taxRates, taxDrift: state.taxDrift }),
          now: state.now,
        });
        state.ledgers.set(tenant, ledger);
      }
      return ledger;
    },
  };
  return state;
}

export type FakeXeroState = ReturnType<typeof fakeState>;
