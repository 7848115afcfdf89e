import {
  type Connection,
  describeError,
  type FileIntake,
  fileIntakeOf,
  isTransientDbError,
  safeEqual,
  storableHeaders,
} from '@switchyard/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import { problem, storeUnavailable, tooLarge } from './problem.ts';

/**
 * POST /edi/:partnerId — a partner's file, raw, for a connection whose connector receives files (`files.inbound`;
 * today x12). The partner authenticates with its bearer token (compared in constant time); the connector's file
 * intake stores the file raw and says what the sender hears: for X12, 200 with what was decided for each
 * interchange, group and set (the TA1 and 997s go back through the partner's transport), and 400 not-x12 for a
 * body with no interchange at all (still stored, with an exception).
 */
export function ediRoutes(
  hub: Pick<Hub, 'sql' | 'connections' | 'config'>,
  log: Logger,
  now = () => new Date(),
) {
  const app = new Hono<{ Variables: { connection: Connection; files: FileIntake<unknown, unknown> } }>();
  const limit = hub.config.server.bodyLimit;
  app.post(
    '/:partnerId',
    async (c, next) => {
      const id = c.req.param('partnerId');
      const connection = hub.connections.get(id);
      const files = connection && fileIntakeOf(connection.connector);
      if (!connection || !files) {
        return problem({
          type: 'unknown-partner',
          title: 'Unknown trading partner',
          status: 404,
          detail: `no X12 trading partner "${id}" is configured on this hub`,
          fix: 'check the URL against the x12 connection ids in switchyard.config.ts',
        });
      }
      const token = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim() ?? '';
      const expected = files.inboundToken(connection.secrets);
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
      if (!files.contentTypes.includes(type)) {
        return problem({
          type: 'unsupported-media-type',
          title: 'Unsupported media type',
          status: 415,
          detail: `${files.words.sentAs}, not "${type}"`,
          fix: `send Content-Type: ${files.words.contentType}`,
        });
      }
      c.set('connection', connection);
      c.set('files', files);
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
      const files = c.get('files');
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (!body.length) {
        return problem({
          type: 'empty-file',
          title: 'Empty file',
          status: 400,
          detail: 'the request has no body',
          fix: `send the ${files.words.file} as the request body`,
        });
      }
      // Stored with the file without the credential headers (the bearer token among them): core's one list.
      const headers = storableHeaders(Object.fromEntries(c.req.raw.headers));
      try {
        const receipt = await files.receive(
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
        const { answer } = receipt;
        return 'problem' in answer ? problem(answer.problem) : c.json(answer.body, answer.status);
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
