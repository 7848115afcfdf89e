import { z } from 'zod';

/** A Walmart connection's settings: where its API is, and how the hub pages through it and paces its calls. */
export const Settings = z
  .object({
    /** The API's root, e.g. https://api.walmart.example/v1. */
    apiUrl: z.url({ message: 'must be the API’s URL, e.g. https://api.walmart.example/v1' }),
    /** Orders per page when pulling. */
    pageSize: z.number().int().min(1).max(250).default(100),
    /** This connection's request budget toward the vendor. */
    requestsPerSecond: z.number().positive().max(50).default(5),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

export const Secrets = z.object({
  /** The secret the vendor signs its webhooks with. */
  webhookSecret: z.string().min(1),
  /** An API token with read access to orders and write access to fulfillments. */
  apiToken: z.string().min(1),
});
export type Secrets = z.output<typeof Secrets>;
