import type { z } from 'zod';
import type { OrderDraftInput } from '../order.ts';
import type { ConnectorActions } from './actions.ts';
import type { AuthorizationCodeFlow } from './authorization.ts';
import type { BooksIntake } from './books.ts';
import type { Capability } from './capabilities.ts';
import type { FileIntake } from './files.ts';
import type { PullPage, PullRequest } from './pull.ts';
import type { ConnectionContext, StoredPayload } from './request.ts';
import type { ConnectorSignal, StockReport } from './signal.ts';
import { authModeOf, type WebhookIntake } from './webhook.ts';

export interface NormalizeResult {
  /** Zero or more orders: one webhook may carry one order, a polled page many. */
  orders: OrderDraftInput[];
  /** Set when the payload is valid but carries nothing to import (a topic the hub does not use). */
  ignored?: string;
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
  /**
   * For channels with `inventory.push`: the stock figures a stored payload reports (a stock webhook from the
   * channel's own admin), or undefined when it reports none; `normalize` answers such a payload `ignored`. Pure,
   * like normalize. The hub applies them by the connection's `stock.systemOfRecord`.
   */
  stockReports?(payload: StoredPayload): StockReport[] | undefined;
  /**
   * For channels with `inventory.push` that cap how often one listing's quantity may change (eBay: 250
   * revisions per listing per calendar day): the hub's pusher spaces one SKU's pushes to this connection so the
   * day's figures fit, coalescing what changes meanwhile into the next push.
   */
  stockPushLimit?: { perSkuPerDay: number };
  /**
   * For vendors whose connections the merchant authorizes in the vendor's own page (OAuth 2.0 authorization
   * code: QuickBooks Online, Xero): how to send them there, exchange the code and refresh the tokens. The hub
   * keeps the tokens (encrypted) and hands the connector's calls `context.authorization`.
   */
  authorization?: AuthorizationCodeFlow<z.output<SettingsSchema>, z.output<SecretsSchema>>;
  /** Accounting connectors: how the books tell the hub of invoices paid (webhooks and a periodic change read). */
  books?: BooksIntake<z.output<SettingsSchema>, z.output<SecretsSchema>>;
  /** Required with the `files.inbound` capability: how the connector receives a partner's files. */
  files?: FileIntake<z.output<SettingsSchema>, z.output<SecretsSchema>>;
  /**
   * The connector's own tables: a folder of plain-SQL migrations, applied after core's in name order and
   * recorded as `<id>/<file>`. `replaces` maps a file to the core migration that held its tables before they
   * moved into the connector (a database that ran that one records the move instead of running the file).
   */
  migrations?: { dir: string; replaces?: Readonly<Record<string, string>> };
}

export type AnyConnector = ConnectorDefinition<z.ZodType, z.ZodType>;

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
    ['inventory.push', !!definition.actions?.pushStock, 'actions.pushStock'],
    ['files.inbound', !!definition.files, 'files'],
    ['accounting.post', !!definition.actions?.postDocument, 'actions.postDocument'],
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
  if (definition.webhook) checkAuthMode(definition.id, definition.webhook);
  return Object.freeze(definition);
}

const AUTH_MODES = ['hmac', 'token', 'public-key', 'queue'];

/** A webhook's auth mode comes with what the mode needs, and nothing a mode it does not use needs. */
function checkAuthMode(id: string, webhook: WebhookIntake<unknown, unknown>): void {
  const mode = authModeOf(webhook);
  if (!AUTH_MODES.includes(mode)) {
    throw new Error(`connector "${id}" declares webhook auth "${mode}": use one of ${AUTH_MODES.join(', ')}`);
  }
  const parts: [string, boolean, string][] = [
    [
      'public-key',
      !!webhook.publicKey,
      'webhook.publicKey (the key id of a request, and how to fetch the key)',
    ],
    ['queue', !!webhook.queue, 'webhook.queue (how to read and acknowledge its messages)'],
  ];
  for (const [needs, present, what] of parts) {
    if (mode === needs && !present)
      throw new Error(`connector "${id}" has webhook auth "${needs}" but no ${what}`);
    if (mode !== needs && present) {
      throw new Error(
        `connector "${id}" has ${what.split(' ')[0]} but webhook auth "${mode}": declare auth: '${needs}'`,
      );
    }
  }
}
