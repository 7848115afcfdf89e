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
