import { defineConfig, env } from '@switchyard/core';

/**
 * The example hub: one tenant and one generic JSON channel. It runs with no
 * secrets set: DEMO_WEBHOOK_SECRET falls back to "dev-secret" here, in the example
 * only, and the hub warns about it at start. Set it before exposing the hub.
 */
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo merchant' }],
  connections: [
    {
      id: 'demo',
      tenant: 'demo',
      connector: 'http-json',
      settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: env('DEMO_WEBHOOK_SECRET', { default: 'dev-secret' }) },
    },
  ],
  server: { bodyLimit: '5mb' },
});
