import { HttpResponse, http } from 'msw';
import { type FakeSpApi, type FakeSpApiOptions, fakeSpApi } from './sp-api.ts';
import { type FakeSqs, fakeSqs } from './sqs.ts';

export { amazonOrder, type ItemSpec, type OrderSpec, sampleOrder } from './orders.ts';
export { type FakeListing, type FakeSpApi, fakeSpApi } from './sp-api.ts';
export { type FakeSqs, fakeSqs, orderChange } from './sqs.ts';

/** The default credentials of the fakes: what a test's connection secrets hold. */
export const CREDENTIALS = {
  clientId: 'amzn1.application-oa2-client.0123456789abcdef',
  clientSecret: 'amzn1.oa2-cs.v1.fake0123456789abcdef',
  refreshToken: 'Atzr|IwEBIFakeRefreshToken0123456789',
  awsAccessKeyId: 'AKIAFAKE0123456789AB',
  awsSecretAccessKey: 'fakeSecretAccessKey0123456789abcdefghijk',
};

/**
 * Amazon as msw handlers: the SP-API and Login with Amazon (sp-api.ts) and the seller's SQS queue (sqs.ts), each
 * bound to its own origins so that a test's other fakes (EasyPost) answer theirs.
 */
export function fakeAmazon(
  options: Partial<FakeSpApiOptions> & { sellerId?: string; queueUrl?: string; sqsEndpoint?: string } = {},
): { api: FakeSpApi; sqs: FakeSqs; handlers: ReturnType<typeof http.all>[] } {
  const api = fakeSpApi({ sellerId: 'A3SELLERFAKE01', ...CREDENTIALS, ...options });
  const sqs = fakeSqs({
    queueUrl: options.queueUrl ?? 'https://sqs.us-east-1.amazonaws.com/123456789012/switchyard-orders',
    ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}),
    accessKeyId: CREDENTIALS.awsAccessKeyId,
  });
  const origins = [
    ...new Set([new URL(api.api).origin, new URL(api.tokenUrl).origin, new URL(sqs.endpoint).origin]),
  ];
  const handlers = origins.map((origin) =>
    http.all(`${origin}/*`, async ({ request }) => {
      const answered = (await sqs.handle(request.clone())) ?? (await api.handle(request));
      return (
        answered ??
        HttpResponse.json(
          { message: `the Amazon fake has no ${request.method} ${request.url}` },
          { status: 404 },
        )
      );
    }),
  );
  return { api, sqs, handlers };
}
