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
  /** Posts sales, payments, refunds, fees and daily journals to the merchant's books: needs `actions.postDocument`. */
  | 'accounting.post'
  | 'edi.inbound'
  /** Files from a partner, posted to `POST /edi/:connectionId` or fetched from its SFTP folder: needs `files`. */
  | 'files.inbound';
