import {
  ACCEPTED_FOR_HYDRATION,
  authModeOf,
  type Connection,
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
import { problem, storeUnavailable, tooLarge } from './problem.ts';

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
  hub: Pick<Hub, 'intake' | 'connections' | 'config' | 'hydrator'>,
  log: Logger,
  now = () => new Date(),
) {
  const app = new Hono<{ Variables: { connection: Connection } }>();
  const limit = hub.config.server.bodyLimit;

  app.post(
    '/:connectionId',
    async (c, next) => {
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
        return problem({
          type: 'no-webhooks',
          title: 'Connection takes no webhooks',
          status: 404,
          detail: `connection "${id}" (${connection.connector.id}) does not receive webhooks`,
          fix: 'send webhooks to a connection whose connector declares orders.webhook',
        });
      }
      if (authModeOf(webhook) === 'queue') {
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
      onError: () =>
        tooLarge(limit, 'body', 'split the payload, or raise server.bodyLimit in switchyard.config.ts'),
    }),
    async (c) => {
      const connection = c.get('connection');
      const webhook = connection.connector.webhook!;
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
        return problem(error.problem);
      }
      if (!verdict.ok) {
        log.warn('webhook rejected', { connection: connection.id, reason: verdict.reason });
        if (verdict.status === 404) {
          return problem({
            type: 'unknown-account',
            title: 'Not for this connection',
            status: 404,
            detail: verdict.reason,
            fix: `point the webhook at the connection configured for that account, or add one`,
          });
        }
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
      try {
        const outcome = await hub.intake.receive(connection, request, now);
        if (outcome.status === 'exception') {
          log.warn('webhook stored as exception', {
            connection: connection.id,
            exception: outcome.exceptionId,
            reason: outcome.message,
          });
        }
        if (outcome.status === 'ignored' && isAcceptedForHydration(outcome.reason)) hub.hydrator?.nudge();
        return answer(outcome);
      } catch (error) {
        if (isTransientDbError(error)) {
          log.error('database unavailable during intake', {
            connection: connection.id,
            error: describeError(error),
          });
          return storeUnavailable('payload');
        }
        throw error;
      }
    },
  );
  return app;
}
