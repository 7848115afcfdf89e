import { randomUUID } from 'node:crypto';
import { accountingRoutes } from './accounting-routes.ts';
import { identityRoutes, issueTokens } from './identity.ts';
import type { FakeKind } from './ledger.ts';
import { type FakeXeroOptions, fakeState } from './state.ts';
import type { Json } from './totals.ts';
import { delivery, eventAbout, type FakeDelivery, type FakeEvent, xeroWebhookHeaders } from './webhooks.ts';

/**
 * Xero faked with msw, in its shapes: the consent page, the identity server (PKCE, single-use refresh tokens),
 * `GET /connections`, and the Accounting API's Contacts, Invoices, Payments, CreditNotes (+ Allocations),
 * ManualJournals and BankTransactions (each organisation its own books, its own totals, Idempotency-Key
 * replays, `summarizeErrors`, `where`, `If-Modified-Since`, pages), behind Xero's limits; and the webhooks it
 * would send. `handlers` go to msw's `setupServer`; xero-server.ts serves them in a process of its own.
 */
export function fakeXero(options: FakeXeroOptions = {}) {
  const state = fakeState(options);
  const tenantOr = (tenantId?: string) => tenantId ?? state.tenants[0]!.tenantId;
  const fake = Object.assign(state, {
    handlers: [...identityRoutes(state), ...accountingRoutes(state)],
    /**
     * A grant reaching `tenants` (default all), without the consent page: its first access and refresh tokens,
     * for tests that start authorized.
     */
    issueGrant(
      tenants: string[] = state.tenants.map((t) => t.tenantId),
      scopes: string[] = ['offline_access'],
    ) {
      const grantId = randomUUID();
      state.grants.set(grantId, { tenants, scopes, refreshToken: '', revoked: false });
      const tokens = issueTokens(state, grantId);
      return {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresIn: tokens.expires_in,
      };
    },
    /** The merchant disconnected the app: every token of every grant is refused from now on. */
    revokeGrants() {
      for (const grant of state.grants.values()) grant.revoked = true;
    },
    /** Access tokens expire now (the next call is answered 401); refresh tokens stay good. */
    expireAccessTokens() {
      for (const token of state.accessTokens.values()) token.expiresAt = state.now();
    },
    /**
     * The next create of `kind` is made, then its answer lost (the connection drops). `onLost` runs just before
     * (to abort the caller, as a crash would).
     */
    loseNextAnswer(kind: FakeKind, onLost: () => void = () => {}) {
      const list = state.lose.get(kind) ?? [];
      list.push(onLost);
      state.lose.set(kind, list);
    },
    /** Xero forgets every Idempotency-Key (its window is minutes): a retry then relies on the read first. */
    expireIdempotencyKeys() {
      state.idempotency.clear();
    },
    /** The next `count` calls are answered 429 for `problem`, with `Retry-After: retryAfterSeconds`. */
    throttleNext(count: number, problem: 'minute' | 'day' | 'concurrent' = 'minute', retryAfterSeconds = 1) {
      state.throttle = { count, problem, retryAfterSeconds };
    },
    /** The documents of a kind in an organisation's books (default the first), as Xero would answer them. */
    documents(kind: FakeKind, tenantId?: string): Json[] {
      return [...state.ledger(tenantOr(tenantId)).docs[kind].values()].map((d) =>
        JSON.parse(JSON.stringify(d, (k, v) => (k.startsWith('_') ? undefined : v))),
      );
    },
    /** A contact put in the books (as the merchant would have it already). */
    addContact(name: string, tenantId?: string): string {
      const applied = state.ledger(tenantOr(tenantId)).contact({ Name: name });
      if (applied.errors.length) throw new Error(applied.errors.join('; '));
      return String(applied.element.ContactID);
    },
    /**
     * The customer pays an invoice in Xero (the accountant records it): the books change, and the webhook Xero
     * sends for it comes back signed, for the hub's `POST /webhooks/<connection>`.
     */
    recordPayment(input: {
      invoiceId: string;
      amount: number;
      account?: string;
      date?: string;
      tenantId?: string;
    }): FakeDelivery {
      const tenant = tenantOr(input.tenantId);
      const applied = state.ledger(tenant).payment({
        Invoice: { InvoiceID: input.invoiceId },
        Account: { Code: input.account ?? '090' },
        Date: input.date ?? new Date(state.now()).toISOString().slice(0, 10),
        Amount: input.amount,
        Reference: 'Paid in Xero',
      });
      if (applied.errors.length)
        throw new Error(`the fake refused the payment: ${applied.errors.join('; ')}`);
      return delivery(state, [eventAbout(state, tenant, 'INVOICE', input.invoiceId)]);
    },
    /** A signed delivery of any events (none: Xero's intent-to-receive body). */
    webhook(events: FakeEvent[] = [], webhookKey?: string): FakeDelivery {
      return delivery(state, events, webhookKey);
    },
    event: (
      category: FakeEvent['eventCategory'],
      resourceId: string,
      type?: FakeEvent['eventType'],
      tenantId?: string,
    ) => eventAbout(state, tenantOr(tenantId), category, resourceId, type),
    /** The headers Xero would sign an arbitrary body with. */
    sign: (body: string | Uint8Array, webhookKey = state.webhookKey) => xeroWebhookHeaders(webhookKey, body),
    /** What the fake saw. */
    stats() {
      return {
        requests: state.requests.length,
        throttled: state.requests.filter((r) => r.status === 429).length,
        maxInFlight: state.maxInFlight,
        tokenCalls: state.tokenCalls,
        refusedRefreshes: state.refusedRefreshes,
      };
    },
  });
  return fake;
}

export type FakeXero = ReturnType<typeof fakeXero>;
