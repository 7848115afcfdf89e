// The QuickBooks Online fake in a process of its own, for tests that run the hub elsewhere: one origin serves
// the accounting API, the token endpoint and the consent page (point the connection's settings.apiOrigin,
// oauthOrigin and authorizeOrigin at it), and /__fake/* drives it (control-routes.ts). Started by
// test/support/fake-process.ts: startFake('../../connectors/quickbooks/test/fakes/quickbooks-server.ts', env),
// which runs `node --import tsx <this file>` and waits for `listening on <origin>`. Environment:
// QUICKBOOKS_FAKE_PORT (default: any free port), QUICKBOOKS_FAKE_CLIENT_ID, QUICKBOOKS_FAKE_CLIENT_SECRET,
// QUICKBOOKS_FAKE_VERIFIER_TOKEN, QUICKBOOKS_FAKE_REALM, QUICKBOOKS_FAKE_RATE_SCALE, QUICKBOOKS_FAKE_TAX_SKEW,
// QUICKBOOKS_FAKE_LATENCY_MS.
import { createServer } from '@mswjs/http-middleware';
import { controlRoutes } from './control-routes.ts';
import { fakeQuickBooks } from './quickbooks.ts';

const env = process.env;
const number = (name: string) => (env[name] ? Number(env[name]) : undefined);
const probe = createServer().listen(number('QUICKBOOKS_FAKE_PORT') ?? 0, '127.0.0.1', () => {
  const { port } = probe.address() as { port: number };
  probe.close(() => {
    const origin = `http://127.0.0.1:${port}`;
    const fake = fakeQuickBooks({
      origin,
      ...(env.QUICKBOOKS_FAKE_CLIENT_ID ? { clientId: env.QUICKBOOKS_FAKE_CLIENT_ID } : {}),
      ...(env.QUICKBOOKS_FAKE_CLIENT_SECRET ? { clientSecret: env.QUICKBOOKS_FAKE_CLIENT_SECRET } : {}),
      ...(env.QUICKBOOKS_FAKE_VERIFIER_TOKEN ? { verifierToken: env.QUICKBOOKS_FAKE_VERIFIER_TOKEN } : {}),
      ...(env.QUICKBOOKS_FAKE_REALM ? { realm: env.QUICKBOOKS_FAKE_REALM } : {}),
      ...(number('QUICKBOOKS_FAKE_RATE_SCALE') !== undefined
        ? { rateScale: number('QUICKBOOKS_FAKE_RATE_SCALE')! }
        : {}),
      ...(number('QUICKBOOKS_FAKE_TAX_SKEW') !== undefined
        ? { taxSkew: number('QUICKBOOKS_FAKE_TAX_SKEW')! }
        : {}),
      ...(number('QUICKBOOKS_FAKE_LATENCY_MS') !== undefined
        ? { latencyMs: number('QUICKBOOKS_FAKE_LATENCY_MS')! }
        : {}),
    });
    createServer(...controlRoutes(fake), ...fake.handlers).listen(port, '127.0.0.1', () =>
      process.stdout.write(`listening on ${origin}\n`),
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
