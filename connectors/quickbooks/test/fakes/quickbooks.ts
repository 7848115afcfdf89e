import { formatMoney, parseMoney } from '@switchyard/core';
import type { http } from 'msw';
import { apiRoutes } from './api-routes.ts';
import { cloudEvent, cloudEventsDelivery, type FakeDelivery } from './deliveries.ts';
import { createObject } from './ledger.ts';
import { issue, oauthRoutes } from './oauth-routes.ts';
import {
  type FakeAccessToken,
  type FakeCall,
  type FakeEntity,
  type FakeGrant,
  type FakeObject,
  type FakeRealm,
  newRealm,
  objectsOf,
  qboTime,
} from './state.ts';

export interface FakeQuickBooksOptions {
  /** One origin for the API, the token endpoint and the consent page (the standalone server's). */
  origin?: string;
  /** Each on its own (default Intuit's production hosts, what the connector's settings default to). */
  apiOrigin?: string;
  oauthOrigin?: string;
  authorizeOrigin?: string;
  clientId?: string;
  clientSecret?: string;
  verifierToken?: string;
  /** The company the consent page connects (default 9341453050298765). */
  realm?: string;
  /** Limits × scale: 500 calls a minute per company (0.01: 5). */
  rateScale?: number;
  /** Calls in flight at once per company before a 429 (default 10). */
  concurrent?: number;
  /** Each accounting call waits this long before its answer (to see concurrency). */
  latencyMs?: number;
  /** Minor units added to every taxed sales document's tax (QuickBooks rounding it its own way). */
  taxSkew?: number;
  accessTokenLifetimeSeconds?: number;
  now?: () => number;
}

const trim = (origin: string) => origin.replace(/\/+$/, '');

/**
 * QuickBooks Online as msw handlers, in its shapes (see README › Testing): OAuth (consent page, token endpoint
 * with rotating refresh tokens), the accounting API per company (creates with requestid replay and the fake's
 * own totals, reads, queries, change data capture, company info), its throttling, and the webhook deliveries
 * a payment recorded in QuickBooks would send.
 */
export function fakeQuickBooks(options: FakeQuickBooksOptions = {}) {
  const now = options.now ?? Date.now;
  const scale = options.rateScale ?? 1;
  const state = {
    apiOrigin: trim(options.apiOrigin ?? options.origin ?? 'https://quickbooks.api.intuit.com'),
    oauthOrigin: trim(options.oauthOrigin ?? options.origin ?? 'https://oauth.platform.intuit.com'),
    authorizeOrigin: trim(options.authorizeOrigin ?? options.origin ?? 'https://appcenter.intuit.com'),
    clientId: options.clientId ?? 'ABfakeClientId0123456789',
    clientSecret: options.clientSecret ?? 'fake-client-secret-0123456789',
    verifierToken: options.verifierToken ?? 'fake-verifier-token-0123456789',
    /** The company the next authorization connects. */
    nextRealm: options.realm ?? '9341453050298765',
    perMinute: Math.max(1, Math.round(500 * scale)),
    concurrent: options.concurrent ?? 10,
    latencyMs: options.latencyMs ?? 0,
    taxSkew: options.taxSkew ?? 0,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
    now,
    realms: new Map<string, FakeRealm>(),
    codes: new Map<string, { realm: string; redirectUri: string; used: boolean }>(),
    grants: [] as FakeGrant[],
    accessTokens: new Map<string, FakeAccessToken>(),
    calls: [] as FakeCall[],
    tokenCalls: 0,
    /** Creates answered from a remembered requestid. */
    replays: 0,
    /** The next N accounting calls are answered 429. */
    throttleNext: 0,
    lostAnswers: new Map<FakeEntity, 'status' | 'drop'>(),
    handlers: [] as ReturnType<typeof http.get>[],

    /** The company `id`, made on first use. */
    realm(id: string, companyName?: string): FakeRealm {
      let realm = state.realms.get(id);
      if (!realm) {
        realm = newRealm(id, companyName);
        state.realms.set(id, realm);
      }
      return realm;
    },
  };
  const fake = Object.assign(state, {
    /** A grant for a company without the consent dance: its first access and refresh tokens. */
    issueTokens(realm = state.nextRealm): { accessToken: string; refreshToken: string } {
      state.realm(realm);
      const grant: FakeGrant = {
        realm,
        refreshToken: '',
        superseded: new Set(),
        revoked: false,
        refreshes: 0,
      };
      state.grants.push(grant);
      const answer = issue(state, grant);
      return { accessToken: answer.access_token, refreshToken: answer.refresh_token };
    },
    /** The merchant disconnects the app (or Intuit revokes it): every token of the company is refused. */
    revokeGrants(realm?: string) {
      for (const g of state.grants) if (!realm || g.realm === realm) g.revoked = true;
    },
    /** Access tokens expire now (a 401 on their next use); refresh tokens stay good. */
    expireAccessTokens(realm?: string) {
      for (const t of state.accessTokens.values()) if (!realm || t.realm === realm) t.expiresAt = 0;
    },
    /** The next create of `entity` is made, then its answer lost: a 502 (`status`) or a dropped connection. */
    loseNextAnswer(entity: FakeEntity, how: 'status' | 'drop' = 'status') {
      state.lostAnswers.set(entity, how);
    },
    /** Intuit forgets the requestids it saw (they do not last for ever): only read before write is left. */
    forgetRequestIds(realm?: string) {
      for (const r of state.realms.values()) if (!realm || r.id === realm) r.requestIds.clear();
    },
    /** What the books hold of an entity (copies), in one company or all. */
    documents(entity: FakeEntity, realm?: string): FakeObject[] {
      const realms = realm ? [state.realm(realm)] : [...state.realms.values()];
      return realms.flatMap((r) => [...objectsOf(r, entity).values()].map((o) => structuredClone(o)));
    },
    /** Puts an object in the books as a person would (a customer, a vendor holding a name, an invoice…). */
    put(entity: FakeEntity, realm: string, body: Record<string, unknown>): FakeObject {
      return createObject(state.realm(realm), entity, body, { now, taxSkew: 0 });
    },
    /** A person voids a transaction: amounts zeroed, "Voided" in its note. */
    void(entity: FakeEntity, realm: string, id: string) {
      const object = objectsOf(state.realm(realm), entity).get(id)!;
      Object.assign(object, {
        TotalAmt: 0,
        Balance: 0,
        PrivateNote: `Voided${object.PrivateNote ? ` - ${object.PrivateNote}` : ''}`,
        SyncToken: String(Number(object.SyncToken) + 1),
        MetaData: { ...(object.MetaData as object), LastUpdatedTime: qboTime(now()) },
      });
    },
    /** A person deletes a transaction: gone, and in CDC as `{ status: "Deleted" }`. */
    remove(entity: FakeEntity, realm: string, id: string) {
      const r = state.realm(realm);
      objectsOf(r, entity).delete(id);
      const gone = r.deleted.get(entity) ?? new Map();
      r.deleted.set(entity, gone);
      gone.set(id, {
        Id: id,
        SyncToken: '0',
        status: 'Deleted',
        domain: 'QBO',
        MetaData: { LastUpdatedTime: qboTime(now()) },
      });
    },
    /**
     * Money received against an invoice in QuickBooks (the merchant records a payment): a Payment linked to
     * the invoice, its Balance lowered, and the signed CloudEvents delivery Intuit would post for it
     * (`qbo.payment.created.v1`, intuitaccountid = the realm). `amount` in minor units (default: the balance).
     */
    recordPayment(input: {
      realm: string;
      invoiceId: string;
      amount?: number;
    }): FakeDelivery & { paymentId: string } {
      const invoice = objectsOf(state.realm(input.realm), 'Invoice').get(input.invoiceId);
      if (!invoice) throw new Error(`the fake has no invoice ${input.invoiceId} in company ${input.realm}`);
      const currency = String((invoice.CurrencyRef as { value?: string } | undefined)?.value ?? 'USD');
      const amount = input.amount ?? parseMoney(invoice.Balance as number, currency).amount;
      const decimal = Number(formatMoney({ amount, currency }));
      const payment = createObject(
        state.realm(input.realm),
        'Payment',
        {
          CustomerRef: invoice.CustomerRef,
          CurrencyRef: { value: currency },
          TotalAmt: decimal,
          TxnDate: qboTime(now()).slice(0, 10),
          Line: [{ Amount: decimal, LinkedTxn: [{ TxnId: input.invoiceId, TxnType: 'Invoice' }] }],
        },
        { now, taxSkew: 0 },
      );
      const event = cloudEvent({
        realm: input.realm,
        entity: 'payment',
        id: payment.Id,
        operation: 'created',
        time: new Date(now()).toISOString(),
      });
      return { ...cloudEventsDelivery([event], state.verifierToken), paymentId: payment.Id };
    },
    /** What the fake answered: calls by resource, refusals, the most calls in flight at once per company. */
    stats() {
      const byResource: Record<string, number> = {};
      for (const c of state.calls) {
        const key = `${c.method} ${c.resource.split('/')[0]}`;
        byResource[key] = (byResource[key] ?? 0) + 1;
      }
      return {
        calls: state.calls.length,
        byResource,
        throttled: state.calls.filter((c) => c.status === 429).length,
        replays: state.replays,
        tokenCalls: state.tokenCalls,
        maxInFlight: Object.fromEntries([...state.realms.values()].map((r) => [r.id, r.maxInFlight])),
      };
    },
  });

  fake.handlers = [...oauthRoutes(fake), ...apiRoutes(fake)];
  return fake;
}

export type FakeQuickBooks = ReturnType<typeof fakeQuickBooks>;
