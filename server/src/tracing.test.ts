import {
  type Attributes,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { createVendorClient, HubError, serverLimits } from '@switchyard/core';
import { Hono } from 'hono';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from './log.ts';
import { startTracing, traceRequests, traceVendorCalls } from './tracing.ts';

/** What a span recorded: enough to check what the hub tells a trace backend. */
interface Recorded {
  name: string;
  kind: number | undefined;
  attributes: Attributes;
  status?: number;
  ended: boolean;
}

/** A tracer provider that keeps its spans in memory: the API's contract, implemented for the test. */
function recordingProvider(spans: Recorded[]): TracerProvider {
  const tracer: Tracer = {
    startSpan(name: string, options: SpanOptions = {}): Span {
      const record: Recorded = {
        name,
        kind: options.kind,
        attributes: { ...options.attributes },
        ended: false,
      };
      spans.push(record);
      const span: Span = {
        spanContext: () => ({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }),
        setAttribute: (key, value) => {
          if (value !== undefined) record.attributes[key] = value;
          return span;
        },
        setAttributes: (attributes) => {
          Object.assign(record.attributes, attributes);
          return span;
        },
        addEvent: () => span,
        addLink: () => span,
        addLinks: () => span,
        setStatus: (status) => {
          record.status = status.code;
          return span;
        },
        updateName: (next) => {
          record.name = next;
          return span;
        },
        end: () => {
          record.ended = true;
        },
        isRecording: () => true,
        recordException: () => {},
      };
      return span;
    },
    startActiveSpan: (() => {
      throw new Error('not used');
    }) as Tracer['startActiveSpan'],
  };
  return { getTracer: () => tracer };
}

const spans: Recorded[] = [];
const vendor = setupServer(
  http.get('https://vendor.test/orders', () => HttpResponse.json({ orders: [] })),
  http.get('https://vendor.test/busy', () => new HttpResponse('slow down', { status: 429 })),
);

beforeAll(() => {
  trace.setGlobalTracerProvider(recordingProvider(spans));
  vendor.listen({ onUnhandledRequest: 'error' });
});
afterAll(() => {
  vendor.close();
  trace.disable();
});

describe('traces', () => {
  it('makes a SERVER span per request, named by its route, with its status and request id', async () => {
    const app = new Hono();
    app.use('*', traceRequests());
    app.use('*', async (c, next) => {
      await next();
      c.header('x-request-id', 'req-42');
    });
    app.get('/orders/:id', (c) => c.json({ id: c.req.param('id') }));
    app.get('/boom', (c) => c.text('no', 503));
    spans.length = 0;
    await app.request('/orders/ord_1');
    await app.request('/boom');
    expect(spans).toMatchObject([
      {
        name: 'GET /orders/:id',
        kind: 1,
        ended: true,
        attributes: {
          'url.path': '/orders/ord_1',
          'http.response.status_code': 200,
          'switchyard.request_id': 'req-42',
        },
      },
      { name: 'GET /boom', status: SpanStatusCode.ERROR, attributes: { 'http.response.status_code': 503 } },
    ]);
  });

  it('makes a CLIENT span per vendor call attempt, a 429 marked throttled and failed', async () => {
    const stop = traceVendorCalls();
    const client = createVendorClient({
      vendor: 'Testvendor',
      baseUrl: 'https://vendor.test',
      connection: 'shop-1',
    });
    spans.length = 0;
    await client.request('GET', '/orders');
    await client.request('GET', '/busy', { retry: false }).catch(() => undefined);
    stop();
    expect(spans).toMatchObject([
      {
        name: 'Testvendor GET',
        kind: 2,
        attributes: { 'switchyard.connection': 'shop-1', 'http.response.status_code': 200 },
      },
      {
        name: 'Testvendor GET',
        status: SpanStatusCode.ERROR,
        attributes: { 'http.response.status_code': 429, 'switchyard.throttled': true },
      },
    ]);
  });

  it('starts nothing when server.tracing is not set, and says what to install when it is', async () => {
    await (await startTracing(serverLimits().tracing, silentLogger)).stop();
    const error = await startTracing(
      { otlpEndpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'switchyard' },
      silentLogger,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).problem.fix).toContain('npm install @opentelemetry/sdk-node');
  });
});
