import { sign } from '@switchyard/connector-http-json';
import autocannon from 'autocannon';
import { orderTemplate } from './intake.ts';

const { prefix, suffix } = orderTemplate();
let n = 0;
const run = Date.now().toString(36);
const r = await autocannon({
  url: 'http://127.0.0.1:8099/webhooks/demo',
  connections: 64,
  duration: 8,
  requests: [
    {
      method: 'POST',
      setupRequest: (req: any) => {
        const body = `${prefix}"${run}-${n++}"${suffix}`;
        const ts = Math.floor(Date.now() / 1000);
        return {
          ...req,
          body,
          headers: {
            'content-type': 'application/json',
            'x-switchyard-timestamp': String(ts),
            'x-switchyard-signature': sign('bench-signing-secret', ts, body),
          },
        };
      },
    },
  ],
});
console.log('req/s', r.requests.average, 'p99', r.latency.p99, 'non2xx', r.non2xx);
