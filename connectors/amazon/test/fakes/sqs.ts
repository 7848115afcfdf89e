import { createHash, randomUUID } from 'node:crypto';
import { HttpResponse } from 'msw';

/**
 * A standard SQS queue as @aws-sdk/client-sqs 3.x talks to it: the AWS JSON 1.0 protocol (POST / with
 * `x-amz-target: AmazonSQS.ReceiveMessage`, `AmazonSQS.DeleteMessageBatch` or
 * `AmazonSQS.ChangeMessageVisibilityBatch`, content type `application/x-amz-json-1.0`, SigV4-signed), messages
 * with their MD5 (the client checks it), a visibility timeout after each receive (an undeleted message comes back,
 * with a new receipt handle; ChangeMessageVisibility sets it anew), and long polling held for at most `longPollMs`.
 */
export interface FakeMessage {
  id: string;
  body: string;
  receipt?: string;
  visibleAt: number;
  receives: number;
  sentAt: number;
}

const JSON_1_0 = 'application/x-amz-json-1.0';

export function fakeSqs(options: {
  queueUrl: string;
  endpoint?: string;
  accessKeyId: string;
  visibilityMs?: number;
}) {
  const endpoint = (options.endpoint ?? new URL(options.queueUrl).origin).replace(/\/+$/, '');
  const fake = {
    endpoint,
    queueUrl: options.queueUrl,
    messages: [] as FakeMessage[],
    /** Message ids deleted, in order. */
    deleted: [] as string[],
    receiveCalls: 0,
    deleteCalls: 0,
    /** Message ids made visible again at once (ChangeMessageVisibility 0), in order. */
    released: [] as string[],
    /** Refuse ChangeMessageVisibility, as SQS does for an IAM user not allowed sqs:ChangeMessageVisibility. */
    denyVisibilityChange: false,
    /** How long a ReceiveMessage with nothing to give waits for a message (SQS waits up to WaitTimeSeconds). */
    longPollMs: 20,
    visibilityMs: options.visibilityMs ?? 30_000,
    /** Puts a message on the queue (what Amazon does for a notification); answers its id. */
    send(body: string | object): string {
      const id = randomUUID();
      fake.messages.push({
        id,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        visibleAt: 0,
        receives: 0,
        sentAt: Date.now(),
      });
      return id;
    },
    /** Told the message ids a DeleteMessageBatch names, before they are deleted (a test looks at the hub then). */
    onDelete: undefined as undefined | ((ids: string[]) => Promise<void> | void),
    /** Makes every message visible again at once, as their visibility timeout running out would. */
    expireVisibility() {
      for (const m of fake.messages) m.visibleAt = 0;
    },
    handle,
  };

  const reply = (body: unknown, status = 200) =>
    HttpResponse.json(body as Record<string, unknown>, {
      status,
      headers: { 'content-type': JSON_1_0, 'x-amzn-requestid': randomUUID() },
    });
  const fault = (type: string, message: string, status = 400) =>
    reply({ __type: `com.amazonaws.sqs#${type}`, message }, status);

  async function handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (request.method !== 'POST' || `${url.origin}${url.pathname}`.replace(/\/+$/, '') !== endpoint)
      return undefined;
    const target = request.headers.get('x-amz-target');
    if (!target?.startsWith('AmazonSQS.')) return undefined;
    if (!request.headers.get('content-type')?.startsWith(JSON_1_0)) {
      return fault('InvalidParameterValue', `expected ${JSON_1_0}`);
    }
    const auth = request.headers.get('authorization') ?? '';
    if (!auth.startsWith(`AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/`)) {
      return fault(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        400,
      );
    }
    const input = (await request.json()) as Record<string, unknown>;
    if (input.QueueUrl !== options.queueUrl)
      return fault('QueueDoesNotExist', 'The specified queue does not exist.');
    if (target === 'AmazonSQS.ReceiveMessage') return receive(input, request.signal);
    if (target === 'AmazonSQS.DeleteMessageBatch') {
      const entries = (input.Entries ?? []) as { ReceiptHandle: string }[];
      const ids = entries.map((e) => fake.messages.find((m) => m.receipt === e.ReceiptHandle)?.id ?? '?');
      await fake.onDelete?.(ids);
      return deleteBatch(input);
    }
    if (target === 'AmazonSQS.ChangeMessageVisibilityBatch') return changeVisibility(input);
    return fault('UnsupportedOperation', `${target} is not faked`);
  }

  async function receive(input: Record<string, unknown>, signal: AbortSignal): Promise<Response> {
    fake.receiveCalls++;
    const max = Number(input.MaxNumberOfMessages ?? 1);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      return fault(
        'InvalidParameterValue',
        'Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.',
      );
    }
    const wait = Number(input.WaitTimeSeconds ?? 0);
    if (wait > 20)
      return fault(
        'InvalidParameterValue',
        'Value for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20.',
      );
    const until = Date.now() + Math.min(wait * 1000, fake.longPollMs);
    let visible = fake.messages.filter((m) => m.visibleAt <= Date.now());
    while (!visible.length && Date.now() < until && !signal.aborted) {
      await new Promise((r) => setTimeout(r, 5));
      visible = fake.messages.filter((m) => m.visibleAt <= Date.now());
    }
    const taken = visible.slice(0, max);
    for (const m of taken) {
      m.receipt = `${m.id}#${randomUUID()}`;
      m.receives++;
      m.visibleAt = Date.now() + fake.visibilityMs;
    }
    if (!taken.length) return reply({});
    return reply({
      Messages: taken.map((m) => ({
        MessageId: m.id,
        ReceiptHandle: m.receipt,
        MD5OfBody: createHash('md5').update(m.body).digest('hex'),
        Body: m.body,
        Attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: String(m.sentAt) },
      })),
    });
  }

  function changeVisibility(input: Record<string, unknown>): Response {
    if (fake.denyVisibilityChange) {
      return fault(
        'AccessDenied',
        'User is not authorized to perform: sqs:ChangeMessageVisibility on resource',
        403,
      );
    }
    const entries = (input.Entries ?? []) as {
      Id: string;
      ReceiptHandle: string;
      VisibilityTimeout?: number;
    }[];
    if (!entries.length || entries.length > 10) {
      return fault('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
    }
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const e of entries) {
      const m = fake.messages.find((x) => x.receipt === e.ReceiptHandle);
      if (!m || m.visibleAt <= Date.now()) {
        Failed.push({
          Id: e.Id,
          SenderFault: true,
          Code: 'MessageNotInflight',
          Message: 'The message referred to is not in flight.',
        });
        continue;
      }
      m.visibleAt = Date.now() + (e.VisibilityTimeout ?? 0) * 1000;
      if (!e.VisibilityTimeout) fake.released.push(m.id);
      Successful.push({ Id: e.Id });
    }
    return reply({ Successful, Failed });
  }

  function deleteBatch(input: Record<string, unknown>): Response {
    fake.deleteCalls++;
    const entries = (input.Entries ?? []) as { Id: string; ReceiptHandle: string }[];
    if (!entries.length || entries.length > 10) {
      return fault('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
    }
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const e of entries) {
      const at = fake.messages.findIndex((m) => m.receipt === e.ReceiptHandle);
      if (at < 0) {
        Failed.push({
          Id: e.Id,
          SenderFault: true,
          Code: 'ReceiptHandleIsInvalid',
          Message: 'The input receipt handle is invalid.',
        });
        continue;
      }
      fake.deleted.push(fake.messages[at]!.id);
      fake.messages.splice(at, 1);
      Successful.push({ Id: e.Id });
    }
    return reply({ Successful, Failed });
  }

  return fake;
}

export type FakeSqs = ReturnType<typeof fakeSqs>;

/** An ORDER_CHANGE notification as Amazon writes it to the queue. */
export function orderChange(
  orderId: string,
  options: {
    sellerId: string;
    notificationId?: string;
    status?: string;
    changeType?: 'OrderStatusChange' | 'BuyerRequestedChange';
    fulfillmentType?: 'MFN' | 'AFN';
    at?: string;
  },
) {
  const at = options.at ?? new Date().toISOString();
  return {
    NotificationVersion: '1.0',
    NotificationType: 'ORDER_CHANGE',
    PayloadVersion: '1.0',
    EventTime: at,
    Payload: {
      OrderChangeNotification: {
        NotificationLevel: 'OrderLevel',
        SellerId: options.sellerId,
        AmazonOrderId: orderId,
        OrderChangeType: options.changeType ?? 'OrderStatusChange',
        OrderChangeTrigger: {
          TimeOfOrderChange: at,
          ChangeReason:
            options.changeType === 'BuyerRequestedChange' ? 'Buyer Requested Cancel' : 'Order status changed',
        },
        Summary: {
          MarketplaceId: 'ATVPDKIKX0DER',
          OrderStatus: options.status ?? 'Unshipped',
          PurchaseDate: at,
          DestinationPostalCode: '22201',
          FulfillmentType: options.fulfillmentType ?? 'MFN',
          OrderType: 'StandardOrder',
          OrderItems: [],
        },
      },
    },
    NotificationMetadata: {
      ApplicationId: 'amzn1.sp.solution.3f1e0c6a-5b1d-4a4e-9d0a-1f2e3d4c5b6a',
      SubscriptionId: 'b6f1c2d3-0000-4000-8000-0123456789ab',
      PublishTime: at,
      NotificationId: options.notificationId ?? randomUUID(),
    },
  };
}
