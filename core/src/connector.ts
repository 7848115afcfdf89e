import type { z } from 'zod';
import type { Problem } from './errors.ts';
import type { Order, OrderDraftInput } from './order.ts';
import type { Sql } from './store/db.ts';

/** What a connector can do; the hub only calls what is declared. */
export type Capability =
  | 'orders.webhook'
  /** Webhooks whose events signal workflows (payments, tracking) rather than carry orders. */
  | 'events.webhook'
  | 'orders.pull'
  | 'fulfillment.push'
  | 'inventory.push'
  | 'payment.capture'
  | 'shipment.label'
  | 'accounting.invoice'
  | 'edi.inbound'
  /** Files from a partner, posted to `POST /edi/:connectionId` or fetched from its SFTP folder: needs `files`. */
  | 'files.inbound';

/** An inbound HTTP request as the connector sees it: raw bytes, lower-cased header names. */
export interface InboundRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  /** The exact bytes received. Signatures are computed over these, never over re-serialized JSON. */
  body: Uint8Array;
  /** The media type without parameters, lower-cased ("application/json"). */
  contentType: string;
  receivedAt: Date;
}

/** A payload as stored in the inbox; what `normalize` reads (also on replay, long after receipt). */
export type StoredPayload = Omit<InboundRequest, 'method' | 'path'>;

export interface ConnectionContext<Settings, Secrets> {
  tenantId: string;
  connectionId: string;
  settings: Settings;
  secrets: Secrets;
  /** The clock; tests pass a fixed one. */
  now(): Date;
}

/**
 * A failed check answers 401, or 404 when the request is well signed for another
 * account (a webhook from a shop this connection is not for).
 */
export type VerifyResult = { ok: true } | { ok: false; reason: string; status?: 401 | 404 };

export interface NormalizeResult {
  /** Zero or more orders: one webhook may carry one order, a polled page many. */
  orders: OrderDraftInput[];
  /** Set when the payload is valid but carries nothing to import (a topic the hub does not use). */
  ignored?: string;
}

export interface WebhookIntake<Settings, Secrets> {
  /** Media types accepted at `POST /webhooks/:connectionId`; anything else is answered 415. */
  contentTypes: readonly string[];
  /**
   * A vendor's unsigned setup request that must be answered 200 and is not a delivery
   * (WooCommerce's `webhook_id=N` ping on webhook creation). Return the JSON to answer
   * with, or undefined for everything else. Nothing it recognises is stored.
   */
  handshake?(request: InboundRequest): Record<string, unknown> | undefined;
  /**
   * Request headers of this vendor's deliveries that carry credentials (a token, a key), besides the common ones
   * the hub never stores from any sender (`CREDENTIAL_HEADERS`). Matched case-insensitively; never stored in the
   * inbox. A signature over the body is not a credential (it signs that body only) and is kept with it.
   */
  credentialHeaders?: readonly string[];
  /** Signature and freshness check on the raw bytes. Must use a constant-time compare. */
  verify(request: InboundRequest, context: ConnectionContext<Settings, Secrets>): VerifyResult;
  /**
   * The key under which a delivery is stored once: the provider's event id, or
   * resource id + modification time. Return undefined when the payload carries none
   * (the hub then uses a hash of the body). Must not throw on malformed bodies.
   */
  dedupeKey(request: InboundRequest, context: ConnectionContext<Settings, Secrets>): string | undefined;
  /**
   * Makes the vendor's webhook subscriptions point at `url` (this connection's
   * endpoint on the hub), creating what is missing and repairing what points
   * elsewhere. Idempotent: a second run changes nothing.
   */
  subscribe?(
    context: ConnectionContext<Settings, Secrets>,
    input: { url: string; signal: AbortSignal },
  ): Promise<{ created: string[]; updated: string[]; unchanged: string[] }>;
}

/** One raw record a pull fetched; the hub stores it in the inbox and normalizes it like a webhook delivery. */
export interface PulledRecord {
  /** Resource id + modification time, so a record already received by webhook is not stored twice. */
  dedupeKey: string;
  body: Uint8Array;
  contentType: string;
  /** Headers `normalize` relies on (a topic, an API version), as the vendor's webhook would send them. */
  headers?: Readonly<Record<string, string>>;
}

export interface PullPage {
  records: PulledRecord[];
  /**
   * Where the next page starts. The hub persists it after the page's records are
   * committed, so an interrupted sync resumes here; null when caught up.
   */
  cursor: string | null;
  /**
   * The latest modification time this sync has covered so far (ISO 8601). When the
   * last page is stored, the hub keeps it as the watermark the next sync starts from.
   */
  watermark?: string;
  /** Records still to come after this page, when the vendor says (for progress and ETA). */
  remaining?: number;
  /** What the pull is doing when a page carries no records, e.g. waiting for the vendor's export. */
  status?: string;
}

export interface PullRequest {
  /** Records modified at or after this time (the connection's watermark). */
  since?: Date;
  /** Resume point from a previous, interrupted sync. */
  cursor?: string;
  /** Aborted on shutdown: stop between pages. */
  signal: AbortSignal;
  /**
   * A one-off import of history (`switchyard backfill`) rather than a scheduled catch-up: a connector may
   * use the vendor's bulk export for it. Its cursor must then say which way it was pulling.
   */
  backfill?: boolean;
}

/** What every outbound call gets: the connection, a stable idempotency key and a cancellation signal. */
export interface ActionContext<Settings, Secrets> extends ConnectionContext<Settings, Secrets> {
  /** Derived from (workflow id, step key): the same on every retry of the same step. */
  idempotencyKey: string;
  signal: AbortSignal;
}

export interface ActionResult {
  /** The vendor's id for what was created (a fulfillment, a refund). */
  externalId?: string;
}

/**
 * Outbound actions, each idempotent under `idempotencyKey`. The engine (issue 4) calls
 * them from workflow steps; more join as their connectors arrive (payment capture,
 * labels, invoices).
 */
export interface ConnectorActions<Settings, Secrets> {
  pushFulfillment?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; fulfillment: Order['fulfillments'][number]; notifyCustomer: boolean },
  ): Promise<ActionResult>;
  cancelOrder?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; reason: string },
  ): Promise<ActionResult>;
  /** Replaces the tracking of a fulfillment already pushed (a re-label, a carrier change). */
  updateTracking?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; fulfillment: Order['fulfillments'][number]; notifyCustomer: boolean },
  ): Promise<ActionResult>;
  /**
   * Marks the order on the channel for the people who work it there: tags added (never
   * removed) and a staff-only note, written once per idempotency key. Channels without
   * tags put them in the note.
   */
  annotateOrder?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; tags: string[]; note?: string },
  ): Promise<ActionResult>;
  /** Captures an authorized payment: `amount` of it (at most what was authorized). */
  capturePayment?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; paymentId: string; amount: Order['totals']['total'] },
  ): Promise<ActionResult & { captured: Order['totals']['total'] }>;
  /** Releases an authorization that was never captured. */
  cancelPayment?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; paymentId: string; reason: string },
  ): Promise<ActionResult>;
  /** Refunds `amount` of a captured payment. */
  refundPayment?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; paymentId: string; amount: Order['totals']['total']; reason: string },
  ): Promise<ActionResult>;
  /**
   * Invoices a B2B order on terms: the invoice is sent to the customer and paid later; the vendor's
   * payment event names `workflowId` so that it reaches the order's workflow.
   */
  sendInvoice?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; workflowId: string; daysUntilDue: number },
  ): Promise<ActionResult>;
  /**
   * Creates a shipment for an order and returns the carriers' rates; `reference` (derived from the step) is
   * recorded on it. Creating costs nothing: a retry after a lost answer may leave an unbought shipment behind;
   * what must happen once is the purchase (buyLabel).
   */
  createShipment?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; from: ShipAddress; to: ShipAddress; parcel: Parcel; reference: string },
  ): Promise<{ shipmentId: string; rates: ShippingRate[] }>;
  /**
   * Buys the label of `rateId` on the shipment, once: the shipment is read first, and one that already has a
   * label returns it instead of buying again (EasyPost has no idempotency key).
   */
  buyLabel?(
    context: ActionContext<Settings, Secrets>,
    input: { shipmentId: string; rateId: string },
  ): Promise<PurchasedLabel>;
  /**
   * Asks the carrier to void an unused label (the refund may take days to settle). Answers `no-label` when
   * nothing was bought and `with-carrier`, voiding nothing, when the carrier has scanned the parcel.
   */
  voidLabel?(
    context: ActionContext<Settings, Secrets>,
    input: { shipmentId: string },
  ): Promise<{ status: string }>;
  /** Refunds money (and optionally restocks lines) on the channel. */
  refundOrder?(
    context: ActionContext<Settings, Secrets>,
    input: {
      order: Order;
      amount: Order['totals']['total'];
      reason: string;
      lines: { lineId: string; quantity: number }[];
    },
  ): Promise<ActionResult>;
}

/** A file a partner sent, as a connector's file intake receives it. */
export interface InboundFile {
  body: Uint8Array;
  /** The file's name on SFTP, or the request path. */
  name: string;
  via: 'http' | 'sftp';
  receivedAt: Date;
  /** The request's headers, credentials left out (HTTP only). */
  headers?: Record<string, string>;
}

/** The connection a file arrived for, with the settings and secrets its connector's schemas checked. */
export interface FileConnection<Settings, Secrets> {
  id: string;
  tenantId: string;
  connector: AnyConnector;
  settings: Settings;
  secrets: Secrets;
}

/** What the intake of one file did: the exceptions it opened, and the answer for a sender over HTTP. */
export interface FileReceipt {
  exceptions: readonly string[];
  answer: { status: 200 | 202; body: unknown } | { problem: Problem };
}

/**
 * Receiving a partner's files (`files.inbound`): the hub routes `POST /edi/:connectionId` and the connection's
 * SFTP polling here. The connector stores the raw file first and owns everything after (its own tables,
 * acknowledgments), which is why it gets the store.
 */
export interface FileIntake<Settings, Secrets> {
  /** Media types a file may be posted with ('' for none sent); another is answered 415. */
  contentTypes: readonly string[];
  /** The sender's answers in the connector's words. */
  words: {
    /** What one file is: "X12 file". */
    file: string;
    /** The 415's detail, before `, not "<type>"`: "an X12 file is sent as application/edi-x12 (or text/plain)". */
    sentAs: string;
    /** The media type the 415 tells the sender to use. */
    contentType: string;
  };
  /** The bearer token a sender over HTTP must present (compared by the hub in constant time). */
  inboundToken(secrets: Secrets): string;
  receive(
    sql: Sql,
    connection: FileConnection<Settings, Secrets>,
    file: InboundFile,
    now?: () => Date,
  ): Promise<FileReceipt>;
}

/** A postal address as carriers need it. */
export interface ShipAddress {
  name?: string;
  company?: string;
  street1: string;
  street2?: string;
  city: string;
  state?: string;
  zip: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  phone?: string;
  email?: string;
}

/** A parcel: weight in grams, dimensions in millimetres (converted to the vendor's units by the connector). */
export interface Parcel {
  weightGrams: number;
  lengthMm?: number;
  widthMm?: number;
  heightMm?: number;
}

export interface ShippingRate {
  rateId: string;
  carrier: string;
  service: string;
  price: { amount: number; currency: string };
  /** Business days in transit, when the carrier says. */
  deliveryDays?: number;
}

export interface PurchasedLabel {
  shipmentId: string;
  trackingCode: string;
  carrier: string;
  service: string;
  labelUrl: string;
  price: { amount: number; currency: string };
  /** True when the label had been bought already (a retried step): nothing was bought now. */
  alreadyBought: boolean;
}

/** What a vendor event tells an order's workflow, and how to find that workflow. */
export interface ConnectorSignal {
  /** The vendor's event id: a workflow gets the signal once under it. */
  dedupeKey: string;
  /** The workflow, when the event names it; else the tracking code of the label its order bought. */
  correlate: { workflowId?: string; trackingCode?: string };
  event:
    | { kind: 'tracking'; status: string; trackingCode: string; detail?: string }
    | { kind: 'payment'; type: string; objectId: string };
}

export interface ConnectorDefinition<
  SettingsSchema extends z.ZodType = z.ZodType,
  SecretsSchema extends z.ZodType = z.ZodType,
> {
  /** The name used in config (`connector: 'http-json'`): lower-case, dash-separated. */
  id: string;
  title: string;
  capabilities: readonly Capability[];
  /** Non-secret connection settings, validated at config load. */
  settings: SettingsSchema;
  /** Secret settings; in config each must be an `env('NAME')` reference. */
  secrets: SecretsSchema;
  webhook?: WebhookIntake<z.output<SettingsSchema>, z.output<SecretsSchema>>;
  /**
   * Turns a stored payload into canonical order drafts. Pure: no I/O, no clock but
   * `context.now`, same input same output. Throwing is how a connector says "this
   * payload cannot be mapped": the hub records an exception that can be replayed.
   */
  normalize(
    payload: StoredPayload,
    context: ConnectionContext<z.output<SettingsSchema>, z.output<SecretsSchema>>,
  ): NormalizeResult;
  /**
   * Fetches what changed since the watermark, page by page, honouring the vendor's
   * pagination and rate limits (429 / Retry-After, backoff with jitter, timeouts).
   * Required with the `orders.pull` capability.
   */
  pull?(
    context: ConnectionContext<z.output<SettingsSchema>, z.output<SecretsSchema>>,
    request: PullRequest,
  ): AsyncIterable<PullPage>;
  actions?: ConnectorActions<z.output<SettingsSchema>, z.output<SecretsSchema>>;
  /**
   * For connectors with `events.webhook`: the signal a stored event carries for an order's workflow, or
   * undefined when it carries none. Pure, like normalize.
   */
  signal?(payload: StoredPayload): ConnectorSignal | undefined;
  /** Required with the `files.inbound` capability: how the connector receives a partner's files. */
  files?: FileIntake<z.output<SettingsSchema>, z.output<SecretsSchema>>;
}

export type AnyConnector = ConnectorDefinition<z.ZodType, z.ZodType>;

/**
 * Request headers that carry credentials whoever sends them: never stored with a delivery or a file. A connector
 * adds its vendor's own with `webhook.credentialHeaders`.
 */
export const CREDENTIAL_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'x-auth-token',
]);

/** Whether a request header carries credentials: a common one, or one the connector declares. Case-insensitive. */
export function isCredentialHeader(name: string, declared: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.includes(lower) || declared.some((d) => d.toLowerCase() === lower);
}

/** The headers of a request as stored: all but those that carry credentials (`isCredentialHeader`). */
export function storableHeaders(
  headers: Readonly<Record<string, string>>,
  declared: readonly string[] = [],
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isCredentialHeader(name, declared)) kept[name] = value;
  }
  return kept;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Declares a connector. Checks the declaration itself so a mistake fails at import, not at the first webhook. */
export function defineConnector<S extends z.ZodType, K extends z.ZodType>(
  definition: ConnectorDefinition<S, K>,
): ConnectorDefinition<S, K> {
  if (!ID.test(definition.id)) {
    throw new Error(
      `connector id "${definition.id}" must be lower-case words joined by dashes, like "http-json"`,
    );
  }
  const declares = (c: Capability) => definition.capabilities.includes(c);
  const webhookKind = declares('events.webhook') ? 'events.webhook' : 'orders.webhook';
  const pairs: [Capability, boolean, string][] = [
    [webhookKind, !!definition.webhook, 'webhook'],
    ['payment.capture', !!definition.actions?.capturePayment, 'actions.capturePayment'],
    ['shipment.label', !!definition.actions?.buyLabel, 'actions.buyLabel'],
    ['orders.pull', !!definition.pull, 'pull'],
    ['fulfillment.push', !!definition.actions?.pushFulfillment, 'actions.pushFulfillment'],
    ['files.inbound', !!definition.files, 'files'],
  ];
  for (const [capability, present, what] of pairs) {
    if (declares(capability) && !present) {
      throw new Error(`connector "${definition.id}" declares ${capability} but has no ${what}`);
    }
    if (present && !declares(capability)) {
      throw new Error(`connector "${definition.id}" has ${what} but does not declare ${capability}`);
    }
  }
  for (const name of definition.webhook?.credentialHeaders ?? []) {
    if (!HEADER_NAME.test(name)) {
      throw new Error(
        `connector "${definition.id}" declares credential header "${name}", which is not a header name`,
      );
    }
  }
  return Object.freeze(definition);
}

/** The connector's file intake when it declares `files.inbound` (the hub routes files by this), else undefined. */
export function fileIntakeOf(connector: AnyConnector): FileIntake<unknown, unknown> | undefined {
  return connector.capabilities.includes('files.inbound') ? connector.files : undefined;
}

/** Parses the media type of a Content-Type header: "Application/JSON; charset=utf-8" -> "application/json". */
export function mediaType(contentType: string | undefined | null): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** A payload body as UTF-8 text, without copying the bytes. */
export function bodyText(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** A payload body parsed as a JSON object; undefined when it is not JSON, or JSON but not an object. */
export function jsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bodyText(body));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A schema's refusal in one line: its first five issues, each at its path under `prefix` ("(body)" for the root). */
export function zodMessage(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${prefix}${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}
