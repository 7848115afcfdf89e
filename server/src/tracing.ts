import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HubError, observeVendorCalls, type ServerLimits } from '@switchyard/core';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from './log.ts';

/**
 * OpenTelemetry traces, off unless `server.tracing` is set: a span per HTTP request (its route, status and
 * request id; a caller's `traceparent` continues its trace) and one per vendor call attempt. The spans are
 * made through `@opentelemetry/api`; the SDK that exports them over OTLP/HTTP is loaded only when tracing is
 * configured, and is not installed by default (23 packages).
 */
const tracer = () => trace.getTracer('switchyard');

/** One SERVER span per request, named by its method and route (`GET /api/v1/orders/:id`), not its raw path. */
export function traceRequests(): MiddlewareHandler {
  return async (c, next) => {
    const parent = propagation.extract(context.active(), Object.fromEntries(c.req.raw.headers));
    const span = tracer().startSpan(
      `${c.req.method} ${c.req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path } },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = c.req.routePath;
      if (route && route !== '*' && route !== '/*') span.updateName(`${c.req.method} ${route}`);
      span.setAttribute('http.response.status_code', c.res.status);
      const requestId = c.res.headers.get('x-request-id');
      if (requestId) span.setAttribute('switchyard.request_id', requestId);
      if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}

/** A CLIENT span for each vendor call attempt, as the vendor client reports it once it has ended. */
export function traceVendorCalls(): () => void {
  return observeVendorCalls((call) => {
    const end = Date.now();
    const span = tracer().startSpan(`${call.vendor} ${call.method}`, {
      kind: SpanKind.CLIENT,
      startTime: end - call.durationMs,
      attributes: {
        'switchyard.vendor': call.vendor,
        ...(call.connection ? { 'switchyard.connection': call.connection } : {}),
        ...(call.status !== undefined ? { 'http.response.status_code': call.status } : {}),
        ...(call.code ? { 'error.type': call.code } : {}),
        'switchyard.throttled': call.throttled,
      },
    });
    if (!call.ok)
      span.setStatus({ code: SpanStatusCode.ERROR, ...(call.code ? { message: call.code } : {}) });
    span.end(end);
  });
}

export interface Tracing {
  stop(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: optional packages, loaded by name when configured
const load = (name: string): Promise<any> => import(name);

/**
 * Starts exporting traces when `server.tracing` is set; otherwise does nothing. The SDK packages must be
 * installed by the operator: without them this says so and what to run, instead of starting without traces.
 */
export async function startTracing(settings: ServerLimits['tracing'], log: Logger): Promise<Tracing> {
  if (!settings) return { stop: async () => {} };
  let sdk: { NodeSDK: new (options: object) => { start(): void; shutdown(): Promise<void> } };
  let exporter: { OTLPTraceExporter: new (options: { url: string }) => unknown };
  try {
    sdk = await load('@opentelemetry/sdk-node');
    exporter = await load('@opentelemetry/exporter-trace-otlp-http');
  } catch (error) {
    throw new HubError(
      {
        type: 'tracing-not-installed',
        title: 'Tracing is configured but its SDK is not installed',
        status: 400,
        detail:
          'server.tracing is set, and @opentelemetry/sdk-node or @opentelemetry/exporter-trace-otlp-http cannot be loaded',
        fix: 'npm install @opentelemetry/sdk-node@0.301 @opentelemetry/exporter-trace-otlp-http@0.301, or remove server.tracing',
      },
      { cause: error },
    );
  }
  const running = new sdk.NodeSDK({
    serviceName: settings.serviceName,
    traceExporter: new exporter.OTLPTraceExporter({ url: settings.otlpEndpoint }),
    instrumentations: [],
  });
  running.start();
  const unobserve = traceVendorCalls();
  log.info('traces exported over OTLP/HTTP', {
    endpoint: settings.otlpEndpoint,
    service: settings.serviceName,
  });
  return {
    async stop() {
      unobserve();
      await running.shutdown();
    },
  };
}
