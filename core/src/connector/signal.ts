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

/** A stock figure a channel reports from its own admin (see ConnectorDefinition.stockReports). */
export interface StockReport {
  /** The SKU, when the payload names it (WooCommerce)… */
  sku?: string;
  /** …else the channel's id of the item (Shopify's inventory item id), which the hub learned from its pushes. */
  channelItem?: string;
  /** The channel's id of the location; absent for a channel with one figure per product. */
  location?: string;
  /** Units available to sell, as the channel shows them. */
  available: number;
  /** When the channel changed it (ISO 8601), to tell an old report from a new one. */
  at?: string;
}
