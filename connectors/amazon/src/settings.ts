import { z } from 'zod';

/** The SP-API regions: each seller account lives in one (North America, Europe, Far East). */
export const REGIONS = ['na', 'eu', 'fe'] as const;

const SqsRegion = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must be an AWS region such as us-east-1' });

/** The merchant's SQS queue that Amazon's ORDER_CHANGE notifications are delivered to. */
const Sqs = z
  .object({
    /** https://sqs.<region>.amazonaws.com/<account>/<queue>, as the AWS console shows it. */
    queueUrl: z.url({
      message: 'must be the queue URL, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/orders',
    }),
    /** The queue's AWS region; read from a standard queue URL when absent. */
    region: SqsRegion.optional(),
    /** Another SQS endpoint (a local fake, a VPC endpoint); the queue URL's host otherwise. */
    endpoint: z.url().optional(),
    /** How long one read waits for messages (long polling, at most SQS's 20 s). */
    waitSeconds: z.number().int().min(0).max(20).default(20),
  })
  .strict()
  .transform((sqs, ctx) => {
    const region =
      sqs.region ?? /^sqs\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(sqs.queueUrl).hostname)?.[1];
    if (!region) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: "cannot be read from the queue URL's host: give the queue's AWS region, e.g. us-east-1",
      });
      return z.NEVER;
    }
    return { ...sqs, region };
  });

const Day = z.iso.date({ message: 'must be a date such as 2026-06-01' });

/**
 * An Amazon seller account's connection: where its SP-API is, which marketplaces it sells in, the SQS queue its
 * ORDER_CHANGE notifications arrive on, and when its LWA client secret was last rotated (Amazon refuses a secret
 * older than 180 days; the connection's health warns 30 days before).
 */
export const Settings = z
  .object({
    /** The seller's merchant token (Seller Central › Settings › Account Info › Merchant Token). */
    sellerId: z.string().min(1),
    /** The marketplaces to read orders from and to list stock in (ATVPDKIKX0DER is amazon.com). */
    marketplaceIds: z.array(z.string().min(1)).min(1).max(50),
    region: z.enum(REGIONS).default('na'),
    /** Amazon's static sandbox (sandbox.sellingpartnerapi-…): its usage plan is 5 requests/s, burst 15. */
    sandbox: z.boolean().default(false),
    /** Another SP-API address (a proxy, a fake); the region's otherwise. */
    endpoint: z.url().optional(),
    /** Login with Amazon's token endpoint. */
    tokenUrl: z.url().default('https://api.amazon.com/auth/o2/token'),
    sqs: Sqs.optional(),
    /** The day the LWA client secret was last rotated: it must be rotated again within 180 days. */
    clientSecretRotatedAt: Day.optional(),
    /** The day Amazon says the LWA client secret expires (Developer Central shows it); wins over rotatedAt. */
    clientSecretExpiresAt: Day.optional(),
    /** Orders per searchOrders page (Amazon allows 1 to 100). */
    pageSize: z.number().int().min(1).max(100).default(100),
    /** How far back the first sync reads when the connection has no watermark yet. */
    firstSyncDays: z.number().int().min(1).max(730).default(30),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

export const Secrets = z.object({
  /** The app's LWA client identifier (amzn1.application-oa2-client.…). */
  clientId: z.string().min(1),
  /** The app's LWA client secret: rotated every 180 days. */
  clientSecret: z.string().min(1),
  /** The seller's authorization of the app (Atzr|…): does not expire and does not rotate. */
  refreshToken: z.string().min(1),
  /** An AWS IAM user's keys allowed sqs:ReceiveMessage and sqs:DeleteMessage on the queue. */
  awsAccessKeyId: z.string().min(1).optional(),
  awsSecretAccessKey: z.string().min(1).optional(),
});
export type Secrets = z.output<typeof Secrets>;

/** The SP-API's address for the connection: its endpoint, or the region's host (sandbox or production). */
export function apiBase(settings: Pick<Settings, 'endpoint' | 'region' | 'sandbox'>): string {
  if (settings.endpoint) return settings.endpoint.replace(/\/+$/, '');
  return `https://${settings.sandbox ? 'sandbox.' : ''}sellingpartnerapi-${settings.region}.amazon.com`;
}
