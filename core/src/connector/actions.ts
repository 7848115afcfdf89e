import type { Order } from '../order.ts';
import type { BooksDocument, PostedDocument } from './books.ts';
import type { ConnectionContext } from './request.ts';
import type { Parcel, PurchasedLabel, ShipAddress, ShippingRate } from './shipping.ts';

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

/** What a channel should show for one SKU at one of its locations (`inventory.push`). */
export interface StockFigure {
  sku: string;
  /**
   * The channel's own id of the location (Shopify's location id), from the connection's stock mapping; absent
   * for a channel with one figure per product (WooCommerce).
   */
  location?: string;
  /** Units to show as available: never negative, the connection's buffer already applied. */
  quantity: number;
}

/** What became of one figure pushed. */
export interface StockPushResult {
  sku: string;
  location?: string;
  /**
   * `set`: the channel shows the figure now; `unknown-sku`: the channel sells nothing under this SKU;
   * `not-stocked`: the channel has the item but does not stock it at that location (nothing done for either);
   * `refused`: the channel answered, but would not take this figure (Amazon's INVALID with its issues), for
   * `reason`: the other figures stand, and this one goes again with the SKU's next change.
   */
  status: 'set' | 'unknown-sku' | 'not-stocked' | 'refused';
  /** Why the channel refused the figure, in its words and what to do (with `refused`). */
  reason?: string;
  /**
   * What the channel showed just before, when it says: a figure that differs from the one the hub pushed last
   * was changed in the channel's admin (the hub logs the difference it overwrote).
   */
  previous?: number;
  /** The channel's id of the item (Shopify's inventory item id), which its own stock webhooks name. */
  channelItem?: string;
}

/**
 * Outbound actions, each idempotent under `idempotencyKey`. The engine (issue 4) calls
 * them from workflow steps; more join as their connectors arrive (payment capture,
 * labels, invoices).
 */
export interface ConnectorActions<Settings, Secrets> {
  pushFulfillment?(
    context: ActionContext<Settings, Secrets>,
    input: {
      order: Order;
      fulfillment: Order['fulfillments'][number];
      notifyCustomer: boolean;
      /**
       * The channel's own id of the location the shipment leaves from (a routed order): the channel records the
       * fulfillment there (Shopify moves the lines' fulfillment order to it first when it was assigned elsewhere).
       */
      location?: string;
      /** False when more shipments of the order follow: the channel must not mark the whole order done yet (default true). */
      final?: boolean;
    },
  ): Promise<ActionResult>;
  /**
   * Tells a marketplace the seller has taken the order (Walmart's acknowledge): the workflow's first step after
   * loading it, retried until done, since the marketplace cancels what is not acknowledged in time. Repeating
   * it must be harmless (acknowledging an acknowledged order is a no-op at the vendor, or read first). An
   * order the marketplace has cancelled already (nothing left to take) answers `cancelled` with why, instead of
   * an acknowledgment: the workflow then cancels the order at once, before a pull brings the cancellation.
   */
  acknowledgeOrder?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order },
  ): Promise<ActionResult & { cancelled?: string }>;
  cancelOrder?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; reason: string },
  ): Promise<ActionResult>;
  /**
   * Cancels some units of the order on the channel (a marketplace that cancels per line, and refunds the buyer
   * for them: Walmart), when the hub will never ship them (routing policy cancel-line). `quantity` is how many
   * more units of the line to cancel beyond those the order already shows cancelled (`quantity.cancelled`), so a
   * retry after a lost answer, reading first, cancels nothing twice.
   */
  cancelLines?(
    context: ActionContext<Settings, Secrets>,
    input: { order: Order; lines: { lineId: string; quantity: number }[]; reason: string },
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
  /**
   * Sets the channel's stock figures (`inventory.push`): absolute quantities, so a retry is harmless; where the
   * channel offers compare-and-set (Shopify), a figure changed meanwhile is read again and set again. One
   * result per figure, in order.
   */
  pushStock?(
    context: ActionContext<Settings, Secrets>,
    input: { figures: StockFigure[] },
  ): Promise<StockPushResult[]>;
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
  /**
   * Posts one document to the books (`accounting.post`), once: with the vendor's idempotency key derived from
   * `idempotencyKey` (QuickBooks `requestid` hashed to its 50 characters, Xero `Idempotency-Key`), and where
   * the key may have expired, after reading whether a document with `document.key` was posted already (then
   * answering it with `found`). Answers the books' own totals, in minor units.
   */
  postDocument?(
    context: ActionContext<Settings, Secrets>,
    input: { document: BooksDocument },
  ): Promise<PostedDocument>;
}
