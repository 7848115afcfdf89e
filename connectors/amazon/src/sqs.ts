import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ConnectionContext, NotificationQueue, QueuedNotification } from '@switchyard/core';
import { readOrderChange } from './order-change.ts';
import type { Secrets, Settings } from './settings.ts';

/**
 * The merchant's SQS queue, where Amazon delivers ORDER_CHANGE notifications (Amazon sends them to SQS only),
 * read with AWS's own client: long polling (at most 20 s, cut short when the hub stops), ten messages a read;
 * a message is deleted only after the hub has stored it (core's readNotificationQueue), so a crash before that
 * makes SQS deliver it again after its visibility timeout, and the notification's id makes that a duplicate.
 * Another seller's ORDER_CHANGE (a queue shared by several connections) is released at once, not handed on
 * (`releaseOthers`).
 */
const clients = new Map<string, { identity: string; client: SQSClient }>();

type QueueContext = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>;

function queueOf(context: QueueContext) {
  const { settings, secrets } = context;
  const sqs = settings.sqs;
  if (!sqs) return undefined;
  if (!secrets.awsAccessKeyId || !secrets.awsSecretAccessKey) {
    throw new Error(
      `connection "${context.connectionId}" reads the SQS queue ${sqs.queueUrl} but has no AWS keys: set secrets.awsAccessKeyId and secrets.awsSecretAccessKey (an IAM user allowed sqs:ReceiveMessage and sqs:DeleteMessage on the queue)`,
    );
  }
  const identity = [sqs.region, sqs.endpoint ?? '', secrets.awsAccessKeyId, secrets.awsSecretAccessKey].join(
    '\u0000',
  );
  let held = clients.get(context.connectionId);
  if (held?.identity !== identity) {
    held?.client.destroy();
    held = {
      identity,
      client: new SQSClient({
        region: sqs.region,
        ...(sqs.endpoint ? { endpoint: sqs.endpoint } : {}),
        credentials: { accessKeyId: secrets.awsAccessKeyId, secretAccessKey: secrets.awsSecretAccessKey },
        maxAttempts: 3,
      }),
    };
    clients.set(context.connectionId, held);
  }
  return { client: held.client, queueUrl: sqs.queueUrl, waitSeconds: sqs.waitSeconds };
}

/** The seller another connection's ORDER_CHANGE names, or undefined when the message is not one of those. */
function otherSeller(message: Message, sellerId: string): string | undefined {
  const change = readOrderChange({ body: new Uint8Array(Buffer.from(message.Body ?? '', 'utf8')) });
  return change.type === 'ORDER_CHANGE' && change.sellerId && change.sellerId !== sellerId
    ? change.sellerId
    : undefined;
}

/**
 * On a queue several sellers' connections share, a message for another seller is made visible again at once
 * (ChangeMessageVisibility 0) and not handed to the hub: its own connection, long-polling the same queue, gets it
 * next instead of after this one's visibility timeout, and this connection, having read nothing, waits its turn
 * before it reads again. Answers the receipts SQS released; a message it would not release (the IAM user lacks
 * sqs:ChangeMessageVisibility, a failure) is handed on as before: verify refuses it, and it waits out its
 * visibility timeout.
 */
async function releaseOthers(
  client: SQSClient,
  queueUrl: string,
  messages: Message[],
  signal: AbortSignal,
): Promise<Set<string>> {
  if (!messages.length) return new Set();
  try {
    const answer = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: 0,
        })),
      }),
      { abortSignal: signal },
    );
    return new Set((answer.Successful ?? []).map((ok) => messages[Number(ok.Id)]?.ReceiptHandle ?? ''));
  } catch {
    return new Set();
  }
}

export const sqsQueue: NotificationQueue<Settings, Secrets> = {
  async receive(context, signal) {
    const queue = queueOf(context);
    // A connection without a queue is pulled only; the hub asks again at its next turn.
    if (!queue || signal.aborted) return [];
    let answer: ReceiveMessageCommandOutput;
    try {
      answer = await queue.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: queue.waitSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // Stopping cuts the long poll short: nothing was received, nothing is lost (SQS keeps the messages).
      if (signal.aborted) return [];
      throw error;
    }
    const received = (answer.Messages ?? []).filter((m) => m.ReceiptHandle);
    const released = await releaseOthers(
      queue.client,
      queue.queueUrl,
      received.filter((m) => otherSeller(m, context.settings.sellerId)),
      signal,
    );
    return received
      .filter((m) => !released.has(m.ReceiptHandle!))
      .map(
        (m): QueuedNotification => ({
          body: new Uint8Array(Buffer.from(m.Body ?? '', 'utf8')),
          contentType: 'application/json',
          receipt: m.ReceiptHandle!,
          headers: {
            ...(m.MessageId ? { 'x-amz-sqs-message-id': m.MessageId } : {}),
            ...(m.Attributes?.ApproximateReceiveCount
              ? { 'x-amz-sqs-receive-count': m.Attributes.ApproximateReceiveCount }
              : {}),
            ...(m.Attributes?.SentTimestamp
              ? { 'x-amz-sqs-sent-at': new Date(Number(m.Attributes.SentTimestamp)).toISOString() }
              : {}),
          },
        }),
      );
  },

  async acknowledge(context, receipts, signal) {
    const queue = queueOf(context);
    if (!queue) return;
    const failed: string[] = [];
    // DeleteMessageBatch takes ten entries at most.
    for (let at = 0; at < receipts.length; at += 10) {
      const batch = receipts.slice(at, at + 10);
      const answer = await queue.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.queueUrl,
          Entries: batch.map((ReceiptHandle, i) => ({ Id: String(at + i), ReceiptHandle })),
        }),
        { abortSignal: signal },
      );
      for (const f of answer.Failed ?? [])
        failed.push(`${f.Code ?? 'error'}: ${f.Message ?? 'no reason given'}`);
    }
    if (failed.length) {
      // Stored already: SQS delivers these again after their visibility timeout, and they are duplicates then.
      throw new Error(
        `SQS did not delete ${failed.length} of ${receipts.length} stored notifications (${[...new Set(failed)].join('; ')}); they come back as duplicates`,
      );
    }
  },
};
