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
import type { DeliveryOutcome, IntakeObserver } from '../metrics.ts';
import { problem, storeUnavailable, tooLarge } from './problem.ts';

/**
 * POST /edi/:partnerId — a partner's file, raw, for a connection whose connector receives files (`files.inbound`;
 * today x12). The partner authenticates with its bearer token (compared in constant time); the connector's file
 * intake stores the file raw and says what the sender hears: for X12, 200 with what was decided for each
 * interchange, group and set (the TA1 and 997s go back through the partner's transport), and 400 not-x12 for a
 * body with no interchange at all (still stored, with an exception).
 */
export function ediRoutes(
  hub: Pick<Hub, 'sql' | 'connections' | 'config'> & { metrics?: IntakeObserver | undefined },
  logger: Logger,
  now = () => new Date(),
) {
  const app = new Hono<{
    Variables: {
      connection: Connection;
      files: FileIntake<unknown, unknown>;
      began: number;
      log?: Logger;
    };
  }>();
  const limit = hub.config.server.bodyLimit;
  /** Counts the file of a configured partner (an unknown id in the URL is not a label). */
  const tell = (began: number | undefined, connection: string, outcome: DeliveryOutcome) =>
    hub.metrics?.delivery({
      channel: 'edi',
      connection,
      outcome,
      seconds: began === undefined ? 0 : (performance.now() - began) / 1000,
    });
  app.post(
    '/:partnerId',
    async (c, next) => {
      c.set('began', performance.now());
      const log = c.get('log') ?? logger;
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
        tell(c.get('began'), id, 'rejected');
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
        tell(c.get('began'), id, 'refused');
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
      onError: (c) => {
        tell(c.get('began'), c.get('connection').id, 'refused');
        return tooLarge(
          limit,
          'file',
          'split the file, send it over SFTP, or raise server.bodyLimit in switchyard.config.ts',
        );
      },
    }),
    async (c) => {
      const log = c.get('log') ?? logger;
      const connection = c.get('connection');
      const files = c.get('files');
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (!body.length) {
        tell(c.get('began'), connection.id, 'refused');
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
        hub.metrics?.normalizationFailures({
          channel: 'edi',
          connection: connection.id,
          count: receipt.exceptions.length,
        });
        const { answer } = receipt;
        const failed = 'problem' in answer;
        tell(
          c.get('began'),
          connection.id,
          failed ? 'refused' : receipt.exceptions.length ? 'exception' : 'accepted',
        );
        if (receipt.exceptions.length) {
          log.warn('edi file stored with exceptions', {
            partner: connection.id,
            exceptions: receipt.exceptions,
          });
        }
        return 'problem' in answer ? problem(answer.problem) : c.json(answer.body, answer.status);
      } catch (error) {
        if (isTransientDbError(error)) {
          log.error('database unavailable during edi intake', {
            partner: connection.id,
            error: describeError(error),
          });
          tell(c.get('began'), connection.id, 'store_unavailable');
          return storeUnavailable('file');
        }
        tell(c.get('began'), connection.id, 'error');
        throw error;
      }
    },
  );
  return app;
}
