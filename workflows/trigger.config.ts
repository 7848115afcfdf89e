import { defineConfig } from '@trigger.dev/sdk';

/**
 * The Trigger.dev project of the workflows: `npx trigger.dev@latest deploy` from this folder (see README).
 * TRIGGER_PROJECT_REF names the project (`proj_…`, on the project's settings page).
 */
export default defineConfig({
  project: process.env.TRIGGER_PROJECT_REF ?? 'proj_set_TRIGGER_PROJECT_REF',
  dirs: ['./src/trigger'],
  // Node 22: a version the repo supports (Trigger.dev's 'node' is 21).
  runtime: 'node-22',
  // Compute time a run may use; waits longer than 5 s are checkpointed and do not count.
  maxDuration: 3600,
  retries: {
    enabledInDev: true,
    // Each workflow task sets its own (engine failures and crashes only: a workflow's failure is final).
    default: { maxAttempts: 3, minTimeoutInMs: 1000, maxTimeoutInMs: 10_000, factor: 2, randomize: true },
  },
});
