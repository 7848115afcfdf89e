import {
  type EngineObserver,
  observeVendorCalls,
  type ResolvedConfig,
  type Sql,
  tokenStates,
  type VendorCall,
} from '@switchyard/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { storeGauges } from './metrics-store-gauges.ts';
import { type StepVendors, stepLabel, stepVendors, vendorLabel, watchStepRequests } from './step-vendors.ts';
import { RecentCalls, statusLabel, type VendorCallStats } from './vendor-calls.ts';

export { stepLabel } from './step-vendors.ts';
export type { VendorCallStats } from './vendor-calls.ts';

/**
 * The hub's Prometheus metrics, in a registry of the hub's own (not prom-client's global one: a test may open
 * several hubs in one process). Counters and histograms are fed as things happen, by the small functions below;
 * gauges about the store (open exceptions, queue depths, sync lag) are read from the database when scraped
 * (`metrics-store-gauges.ts`, its queries in `metrics-store.ts`). A database that does not answer does not fail
 * the scrape: those gauges are left out and `switchyard_metrics_store_up` is 0.
 *
 * Counters are per process: under SWITCHYARD_WORKERS each worker counts what it handles.
 */

/** What became of a delivery (a webhook, an EDI file): the intake's outcome, or why it was refused. */
export type DeliveryOutcome =
  | 'accepted'
  | 'ignored'
  | 'hydration'
  | 'received'
  | 'duplicate'
  | 'exception'
  | 'handshake'
  | 'rejected'
  | 'refused'
  | 'store_unavailable'
  | 'error';

/** What the HTTP intake tells the metrics (webhooks.ts, edi.ts). */
export interface IntakeObserver {
  delivery(d: {
    channel: 'webhook' | 'edi';
    connection: string;
    outcome: DeliveryOutcome;
    seconds: number;
  }): void;
  normalizationFailures(d: { channel: 'webhook' | 'edi' | 'pull'; connection: string; count?: number }): void;
}

export interface HubMetrics extends IntakeObserver {
  readonly registry: Registry;
  /** The content type of `render`'s text. */
  readonly contentType: string;
  /** The metrics in Prometheus's text format, the store's gauges read first (never throws for the store). */
  render(): Promise<string>;
  /** For the engine (`startDbosEngine({ observer })`): workflows started and ended, step latency. */
  readonly engine: EngineObserver;
  /** Counts one vendor call attempt (done for every client in the process while the metrics are open). */
  vendorCall(call: VendorCall): void;
  /** The connection's vendor calls over the last `windowMinutes` (15), in this process. */
  vendorCallStats(connectionId: string): VendorCallStats;
  /** Counts one push of stock figures to a channel (the stock pusher's onPush). */
  stockPush(report: {
    connectionId: string;
    figures: number;
    changes: number;
    /** `refused`: figures of a call that went through which the channel would not take (not another call). */
    outcome: 'ok' | 'failed' | 'refused';
  }): void;
  /** Stops observing vendor calls. */
  close(): void;
}

export interface MetricsOptions {
  /** The database the store's gauges are read from; without it they are left out. */
  sql?: Sql;
  /** Which connections exist and which drive workflows (`fulfillment`). */
  config?: Pick<ResolvedConfig, 'connections' | 'tenants'>;
  /** The engine's schema (DBOS), for its queue depth (default switchyard_dbos). */
  engineSchema?: string;
  /** Node's process metrics (CPU, memory, event loop lag, GC): default true. */
  processMetrics?: boolean;
  /** How long the store's gauges may take at a scrape (default 2,000 ms). */
  storeTimeoutMs?: number;
  /** The clock of the recent-calls window (tests). */
  now?: () => number;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export function createMetrics(options: MetricsOptions = {}): HubMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const schema = options.engineSchema ?? 'switchyard_dbos';
  if (!SCHEMA.test(schema)) throw new Error(`engine schema "${schema}" is not a plain lower-case name`);

  const deliveries = new Counter({
    name: 'switchyard_deliveries_total',
    help: 'Deliveries received over HTTP (webhooks, EDI files), by connection and what became of them.',
    labelNames: ['channel', 'connection', 'outcome'] as const,
    registers,
  });
  const intakeSeconds = new Histogram({
    name: 'switchyard_intake_duration_seconds',
    help: 'From the request reaching the intake route to its answer, by channel and connection.',
    labelNames: ['channel', 'connection'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const normalizationFailures = new Counter({
    name: 'switchyard_normalization_failures_total',
    help: 'Payloads stored but not mapped (parked as exceptions) at intake, by channel and connection.',
    labelNames: ['channel', 'connection'] as const,
    registers,
  });
  const workflowsStarted = new Counter({
    name: 'switchyard_workflows_started_total',
    help: 'Workflows this process asked the engine to start (an id that already ran counts too).',
    labelNames: ['workflow'] as const,
    registers,
  });
  const workflowsEnded = new Counter({
    name: 'switchyard_workflows_finished_total',
    help: 'Workflow runs that ended in this process, by outcome (succeeded, failed).',
    labelNames: ['workflow', 'outcome'] as const,
    registers,
  });
  const stepSeconds = new Histogram({
    name: 'switchyard_workflow_step_duration_seconds',
    help: "A step's execution, its retries included, by step, the vendors it called and outcome.",
    labelNames: ['workflow', 'step', 'vendor', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  });
  const stockPushes = new Counter({
    name: 'switchyard_stock_pushes_total',
    help: 'Calls that sent stock figures to a channel, by connection and outcome.',
    labelNames: ['connection', 'outcome'] as const,
    registers,
  });
  const stockFigures = new Counter({
    name: 'switchyard_stock_figures_pushed_total',
    help: 'Stock figures sent to channels (one per SKU and channel location), by connection.',
    labelNames: ['connection'] as const,
    registers,
  });
  const stockRefused = new Counter({
    name: 'switchyard_stock_figures_refused_total',
    help: "Stock figures a channel answered but would not take (Amazon's INVALID), by connection: each is logged with the channel's reason.",
    labelNames: ['connection'] as const,
    registers,
  });
  const stockChanges = new Counter({
    name: 'switchyard_stock_changes_pushed_total',
    help: 'Ledger changes the pushed figures stood for: divided by figures pushed, the coalescing ratio.',
    labelNames: ['connection'] as const,
    registers,
  });
  const vendorCalls = new Counter({
    name: 'switchyard_vendor_calls_total',
    help: "Vendor API call attempts through core's client, by vendor, connection and HTTP status (timeout, network: no answer).",
    labelNames: ['vendor', 'connection', 'status'] as const,
    registers,
  });
  const vendorThrottled = new Counter({
    name: 'switchyard_vendor_throttled_total',
    help: "Vendor API call attempts refused for the rate (a 429, or a vendor's throttling code), by vendor and connection.",
    labelNames: ['vendor', 'connection'] as const,
    registers,
  });
  const vendorSeconds = new Histogram({
    name: 'switchyard_vendor_call_duration_seconds',
    help: 'Vendor API call attempts, from sending to the answer read, by vendor.',
    labelNames: ['vendor'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  // Read from this process's token sources at each scrape (no database).
  new Gauge({
    name: 'switchyard_token_valid',
    help: "1 when the connection's access token is valid or about to be minted again, 0 when its last mint failed (reconnect-needed among them).",
    labelNames: ['connection', 'token', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const c of options.config?.connections ?? []) {
        for (const t of tokenStates(c.id)) {
          this.set(
            { connection: c.id, token: t.name, state: t.state },
            t.state === 'failed' || t.state === 'reconnect-needed' ? 0 : 1,
          );
        }
      }
    },
  });

  const recent = new RecentCalls(options.now ?? Date.now);
  const store = storeGauges({
    registers,
    schema,
    ...(options.sql ? { sql: options.sql } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.storeTimeoutMs !== undefined ? { timeoutMs: options.storeTimeoutMs } : {}),
  });

  const vendorCall = (call: VendorCall) => {
    const vendor = call.vendor.toLowerCase();
    const connection = call.connection ?? '';
    vendorCalls.inc({ vendor, connection, status: statusLabel(call) });
    if (call.throttled) vendorThrottled.inc({ vendor, connection });
    vendorSeconds.observe({ vendor }, call.durationMs / 1000);
    if (call.connection) recent.add(call.connection, call);
    stepVendors.getStore()?.names.add(vendor);
  };
  const stopObserving = observeVendorCalls(vendorCall);
  const stopWatching = watchStepRequests();

  const engine: EngineObserver = {
    started: (workflow, count) => workflowsStarted.inc({ workflow }, count),
    ended: ({ workflow, outcome }) => workflowsEnded.inc({ workflow, outcome }),
    async step(step, run) {
      const seen: StepVendors = { names: new Set(), hosts: new Set() };
      const began = performance.now();
      let outcome = 'failed';
      try {
        const result = await stepVendors.run(seen, run);
        outcome = 'succeeded';
        return result;
      } finally {
        stepSeconds.observe(
          { workflow: step.workflow, step: stepLabel(step.key), vendor: vendorLabel(seen), outcome },
          (performance.now() - began) / 1000,
        );
      }
    },
  };

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      await store.refresh();
      return registry.metrics();
    },
    delivery({ channel, connection, outcome, seconds }) {
      deliveries.inc({ channel, connection, outcome });
      intakeSeconds.observe({ channel, connection }, seconds);
    },
    normalizationFailures({ channel, connection, count = 1 }) {
      if (count > 0) normalizationFailures.inc({ channel, connection }, count);
    },
    engine,
    stockPush({ connectionId, figures, changes, outcome }) {
      if (outcome === 'refused') {
        stockRefused.inc({ connection: connectionId }, figures);
        return;
      }
      stockPushes.inc({ connection: connectionId, outcome });
      if (outcome === 'ok') {
        stockFigures.inc({ connection: connectionId }, figures);
        stockChanges.inc({ connection: connectionId }, changes);
      }
    },
    vendorCall,
    vendorCallStats: (connectionId) => recent.stats(connectionId),
    close() {
      stopObserving();
      stopWatching();
    },
  };
}
