import { type EdiConnection, type Receipt, receiveFile } from '@switchyard/connector-x12';
import { describeError, isTransientDbError, safeEqual } from '@switchyard/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import { problem, storeUnavailable, tooLarge } from './problem.ts';

/** Headers never stored with the file: credentials a sender may attach. */
const UNSTORED = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/** Media types an X12 file may arrive with: partners send all of these. */
const EDI_TYPES = new Set([
  'application/edi-x12',
  'application/edi',
  'text/plain',
  'application/octet-stream',
  '',
]);

/**
 * POST /edi/:partnerId — a partner's X12 file, raw. The partner authenticates with its bearer token (compared in
 * constant time); the file is stored raw, then judged interchange by interchange. 200 with what was decided for
 * each interchange, group and set; the TA1 and 997s go back through the partner's transport. A body with no
 * interchange at all is 400 not-x12 (still stored, with an exception).
 */
export function ediRoutes(
  hub: Pick<Hub, 'sql' | 'connections' | 'config'>,
  log: Logger,
  now = () => new Date(),
) {
  const app = new Hono<{ Variables: { connection: EdiConnection } }>();
  const limit = hub.config.server.bodyLimit;
  app.post(
    '/:partnerId',
    async (c, next) => {
      const id = c.req.param('partnerId');
      const connection = hub.connections.get(id);
      if (connection?.connector.id !== 'x12') {
        return problem({
          type: 'unknown-partner',
          title: 'Unknown trading partner',
          status: 404,
          detail: `no X12 trading partner "${id}" is configured on this hub`,
          fix: 'check the URL against the x12 connection ids in switchyard.config.ts',
        });
      }
      const token = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim() ?? '';
      const expected = (connection.secrets as { inboundToken: string }).inboundToken;
      if (!token || !safeEqual(token, expected)) {
        log.warn('edi file refused: bad token', { partner: id });
        return problem({
          type: 'bad-token',
          title: 'Not authenticated',
          status: 401,
          detail: token
            ? 'the bearer token is not this partner’s'
            : 'no Authorization: Bearer <token> header',
          fix: "send the partner's inbound token as Authorization: Bearer <token>",
        });
      }
      const type = (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
      if (!EDI_TYPES.has(type)) {
        return problem({
          type: 'unsupported-media-type',
          title: 'Unsupported media type',
          status: 415,
          detail: `an X12 file is sent as application/edi-x12 (or text/plain), not "${type}"`,
          fix: 'send Content-Type: application/edi-x12',
        });
      }
      c.set('connection', connection as EdiConnection);
      await next();
    },
    bodyLimit({
      maxSize: limit,
      onError: () =>
        tooLarge(
          limit,
          'file',
          'split the file, send it over SFTP, or raise server.bodyLimit in switchyard.config.ts',
        ),
    }),
    async (c) => {
      const connection = c.get('connection');
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (!body.length) {
        return problem({
          type: 'empty-file',
          title: 'Empty file',
          status: 400,
          detail: 'the request has no body',
          fix: 'send the X12 file as the request body',
        });
      }
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((value, name) => {
        if (!UNSTORED.has(name)) headers[name] = value;
      });
      try {
        const receipt = await receiveFile(
          hub.sql,
          connection,
          { body, name: c.req.path, via: 'http', receivedAt: now(), headers },
          now,
        );
        if (receipt.exceptions.length) {
          log.warn('edi file stored with exceptions', {
            partner: connection.id,
            exceptions: receipt.exceptions,
          });
        }
        if (receipt.status === 'not-x12') return notX12(receipt);
        return c.json(
          {
            ...receipt,
            orders: receipt.orders.map((o) => ({ id: o.orderId, result: o.result, version: o.version })),
          },
          receipt.status === 'exception' ? 202 : 200,
        );
      } catch (error) {
        if (isTransientDbError(error)) {
          log.error('database unavailable during edi intake', {
            partner: connection.id,
            error: describeError(error),
          });
          return storeUnavailable('file');
        }
        throw error;
      }
    },
  );
  return app;
}

/**
 * 400: no ISA anywhere in the body, so nothing in it can be acknowledged. The file is kept all the same (an inbox
 * entry and an open exception, named here so an operator can find it); the sender hears what it sent instead.
 */
function notX12(receipt: Receipt): Response {
  const exception = receipt.exceptions[0];
  return problem({
    type: 'not-x12',
    title: 'Not an X12 file',
    status: 400,
    detail: `the body holds no X12 interchange: ${receipt.notX12?.found ?? 'no ISA segment'}${exception ? `; it is kept for inspection as exception ${exception}` : ''}`,
    fix: receipt.notX12?.fix ?? 'send the X12 interchange, which begins with its ISA segment',
    ...(exception ? { exception } : {}),
    ...(receipt.inboxId ? { inboxId: receipt.inboxId } : {}),
  });
}
