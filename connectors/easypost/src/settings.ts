import { z } from 'zod';

/** An EasyPost connection's settings: the client's timeout, the pace, where the API is. */
export const EasyPostSettings = z
  .object({
    timeoutSeconds: z.number().int().min(1).max(120).default(30),
    /** This connection's pace toward EasyPost, every call counted (EasyPost answers bursts with 429). */
    requestsPerSecond: z.number().positive().max(1_000).default(20),
    /** Send API calls to this origin instead of https://api.easypost.com (a proxy, or a local fake in tests). */
    apiOrigin: z.url().optional(),
  })
  .strict();

/** An EasyPost connection's secrets, each an `env('NAME')` reference in config. */
export const EasyPostSecrets = z.object({
  /** Production or test API key (EasyPost › Account settings › API keys). */
  apiKey: z.string().min(8),
  /** The webhook's secret, set when it was created (EasyPost › Webhooks). */
  webhookSecret: z.string().min(1),
});

export type EasyPostSettings = z.output<typeof EasyPostSettings>;
export type EasyPostSecrets = z.output<typeof EasyPostSecrets>;
