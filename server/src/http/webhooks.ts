import {
  ACCEPTED_FOR_HYDRATION,
  authModeOf,
  type Connection,
  connectionContext,
  type DeferredOutcome,
  describeError,
  HubError,
  type InboundRequest,
  isAcceptedForHydration,
  isTransientDbError,
  mediaType,
  type VerifyResult,
  verifyDelivery,
} from '@switchyard/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { DeliveryOutcome, IntakeObserver } from '../metrics.ts';
import { problem, storeUnavailable, tooLarge } from './problem.ts';

/** The metrics' word for what the intake made of a delivery. */
function outcomeOf(outcome: DeferredOutcome): DeliveryOutcome {
  if (outcome.status === 'ignored' && isAcceptedForHydration(outcome.reason)) return 'hydration';
  return outcome.status;
}

function answer(outcome: DeferredOutcome): Response {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  switch (outcome.status) {
    case 'accepted':
      return json(200, {
        status: 'accepted',
        inboxId: outcome.inboxId,
        orders: outcome.orders.map((o) => ({ id: o.orderId, result: o.result, version: o.version })),
      });
    case 'ignored':
      // A thin notification: stored and answered; what it names is fetched after this answer.
      if (isAcceptedForHydration(outcome.reason)) {
        return json(200, {
          status: ACCEPTED_FOR_HYDRATION,
          inboxId: outcome.inboxId,
          detail: outcome.reason,
        });
      }
      return json(200, { status: 'ignored', inboxId: outcome.inboxId, reason: outcome.reason });
    case 'received':
      // server.intake 'deferred': committed raw; what it becomes is in the inbox, orders or exceptions by this id.
      return json(202, {
        status: 'received',
        inboxId: outcome.inboxId,
        detail:
          'stored; it is normalized right behind this answer, into orders or an exception naming this inbox id',
      });
    case 'duplicate':
      return json(200, { status: 'duplicate', detail: 'already received; nothing changed' });
    case 'exception':
      return json(202, {
        status: 'exception',
        inboxId: outcome.inboxId,
        exceptionId: outcome.exceptionId,
        detail: `stored, but it could not be imported: ${outcome.message}`,
        fix: `fix the payload or the mapping, then: switchyard exceptions replay ${outcome.exceptionId}`,
      });
  }
}

/**
 * POST /webhooks/:connectionId — find the connection, check media type and size,
 * verify the signature on the raw bytes, then hand the payload to the intake, which
 * stores it raw and applies it in one transaction. The answer is sent after commit.
 * Normalization runs synchronously inside the request, so the status code tells the
 * sender whether the order was imported (200) or parked as an exception (202). A thin
 * notification is answered 200 "accepted for hydration" once stored: the hydrator
 * fetches what it names after the answer. With server.intake 'deferred' the answer is
 * 202 "received" once the raw delivery commits, and the normalizer maps it right behind.
 */
export function webhookRoutes(
  hub: Pick<Hub, 'intake' | 'connections' | 'config' | 'hydrator'> & { metrics?: IntakeObserver | undefined },
  logger: Logger,
  now = () => new Date(),
) {
  const app = new Hono<{
    Variables: { connection: Connection; began: number; requestId?: string; log?: Logger };
  }>();
  const limit = hub.config.server.bodyLimit;
  /** Counts the delivery of a configured connection (an unknown id in the URL is not a label). */
  const tell = (began: number | undefined, connection: string, outcome: DeliveryOutcome) =>
    hub.metrics?.delivery({
      channel: 'webhook',
      connection,
      outcome,
      seconds: began === undefined ? 0 : (performance.now() - began) / 1000,
    });

  // A vendor's endpoint validation (eBay's challenge_code): answered by the connector, nothing stored.
  app.get('/:connectionId', (c) => {
    const id = c.req.param('connectionId');
    const connection = hub.connections.get(id);
    const challenge = connection?.connector.webhook?.challenge;
    const url = new URL(c.req.url);
    let answer: Record<string, unknown> | undefined;
    try {
      answer = challenge?.(
        url.searchParams,
        connectionContext(connection!, now),
        // The address the vendor was given (sync-webhooks builds it the same way): behind a proxy, the request's
        // own URL is not it, so set server.publicUrl.
        hub.config.server.publicUrl
          ? `${hub.config.server.publicUrl.replace(/\/+$/, '')}/webhooks/${id}`
          : `${url.origin}${url.pathname}`,
      );
    } catch (error) {
      logger.warn('webhook endpoint validation could not be answered', {
        connection: id,
        error: describeError(error),
      });
      return problem({
        type: 'bad-validation-request',
        title: 'Validation request not understood',
        status: 400,
        detail: `connection "${id}" could not answer this validation request: ${describeError(error)}`,
        fix: "check the connection's notification settings (its verification token) and the vendor's request",
      });
    }
    if (answer) {
      logger.info('webhook endpoint validation answered', { connection: id });
      return c.json(answer, 200);
    }
    return problem({
      type: 'not-found',
      title: 'Not found',
      status: 404,
      detail: connection
        ? `connection "${id}" answers no validation request like this one; deliveries are POSTed`
        : `no connection "${id}" is configured on this hub`,
      fix: connection
        ? `POST deliveries to /webhooks/${id}`
        : 'check the URL against the connection ids in switchyard.config.ts',
    });
  });

  app.post(
    '/:connectionId',
    async (c, next) => {
      c.set('began', performance.now());
      const id = c.req.param('connectionId');
      const connection = hub.connections.get(id);
      if (!connection) {
        return problem({
          type: 'unknown-connection',
          title: 'Unknown connection',
          status: 404,
          detail: `no connection "${id}" is configured on this hub`,
          fix: 'check the URL against the connection ids in switchyard.config.ts',
        });
      }
      const webhook = connection.connector.webhook;
      if (!webhook) {
        tell(c.get('began'), id, 'refused');
        return problem({
          type: 'no-webhooks',
          title: 'Connection takes no webhooks',
          status: 404,
          detail: `connection "${id}" (${connection.connector.id}) does not receive webhooks`,
          fix: 'send webhooks to a connection whose connector declares orders.webhook',
        });
      }
      if (authModeOf(webhook) === 'queue') {
        tell(c.get('began'), id, 'refused');
        return problem({
          type: 'no-webhooks',
          title: 'Connection takes no webhooks',
          status: 404,
          detail: `connection "${id}" (${connection.connector.id}) reads its notifications from the vendor's queue, not over HTTP`,
          fix: 'send notifications to the queue configured for the connection',
        });
      }
      const type = mediaType(c.req.header('content-type'));
      if (!webhook.contentTypes.includes(type)) {
        tell(c.get('began'), id, 'refused');
        return problem({
          type: 'unsupported-media-type',
          title: 'Unsupported media type',
          status: 415,
          detail: `connection "${id}" accepts ${webhook.contentTypes.join(', ')}, not ${type ? `"${type}"` : 'a body without Content-Type'}`,
          fix: `send Content-Type: ${webhook.contentTypes[0]}`,
        });
      }
      c.set('connection', connection);
      await next();
    },
    bodyLimit({
      maxSize: limit,
      onError: (c) => {
        tell(c.get('began'), c.get('connection').id, 'refused');
        return tooLarge(
          limit,
          'body',
          'split the payload, or raise server.bodyLimit in switchyard.config.ts',
        );
      },
    }),
    async (c) => {
      const connection = c.get('connection');
      const webhook = connection.connector.webhook!;
      // The request's own logger (its id on every line) when the app gives one.
      const log = c.get('log') ?? logger;
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const request: InboundRequest = {
        method: 'POST',
        path: c.req.path,
        headers,
        body: new Uint8Array(await c.req.arrayBuffer()),
        contentType: mediaType(headers['content-type']),
        receivedAt: now(),
      };
      const handshake = webhook.handshake?.(request);
      if (handshake) {
        tell(c.get('began'), connection.id, 'handshake');
        log.info('webhook handshake answered', { connection: connection.id });
        return c.json(handshake, 200);
      }
      // In the connector's auth mode; a public key is fetched (once, then cached) when the mode needs one.
      let verdict: VerifyResult;
      try {
        verdict = await verifyDelivery(connection, request, now);
      } catch (error) {
        if (!(error instanceof HubError)) throw error;
        // The answer to the (not yet authenticated) sender is generic; the log keeps why the key could not be had.
        log.warn('webhook signing key unavailable', {
          connection: connection.id,
          error: describeError(error.cause ?? error),
        });
        tell(c.get('began'), connection.id, 'refused');
        return problem(error.problem);
      }
      if (!verdict.ok) {
        log.warn('webhook rejected', { connection: connection.id, reason: verdict.reason });
        tell(c.get('began'), connection.id, 'rejected');
        if (verdict.status === 404) {
          return problem({
            type: 'unknown-account',
            title: 'Not for this connection',
            status: 404,
            detail: verdict.reason,
            fix: `point the webhook at the connection configured for that account, or add one`,
          });
        }
        if (webhook.emptyAnswer) return c.body(null, 401);
        return problem({
          type: 'bad-signature',
          title: 'Signature check failed',
          status: 401,
          detail: verdict.reason,
          fix:
            authModeOf(webhook) === 'token'
              ? `send the connection's token in the header the ${connection.connector.id} connector documents`
              : `sign the raw body with the connection's secret as documented for the ${connection.connector.id} connector`,
        });
      }
      // Stored with the delivery, so the stored record leads to the log lines of the request that brought it.
      const requestId = c.get('requestId');
      if (requestId && headers['x-request-id'] === undefined) headers['x-request-id'] = requestId;
      try {
        const outcome = await hub.intake.receive(connection, request, now);
        tell(c.get('began'), connection.id, outcomeOf(outcome));
        if (outcome.status === 'exception') {
          hub.metrics?.normalizationFailures({ channel: 'webhook', connection: connection.id });
          log.warn('webhook stored as exception', {
            connection: connection.id,
            exception: outcome.exceptionId,
            reason: outcome.message,
          });
        }
        if (outcome.status === 'ignored' && isAcceptedForHydration(outcome.reason)) hub.hydrator?.nudge();
        // Stored (or an exception, stored too): the vendor that wants a bare answer gets a 200 and nothing else.
        if (webhook.emptyAnswer) return c.body(null, 200);
        return answer(outcome);
      } catch (error) {
        if (isTransientDbError(error)) {
          log.error('database unavailable during intake', {
            connection: connection.id,
            error: describeError(error),
          });
          tell(c.get('began'), connection.id, 'store_unavailable');
          return storeUnavailable('payload');
        }
        tell(c.get('began'), connection.id, 'error');
        throw error;
      }
    },
  );
  return app;
}
