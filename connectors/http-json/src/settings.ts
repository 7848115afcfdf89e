import { z } from 'zod';

/** An http-json connection's settings: how far a sender's clock may drift. */
export const Settings = z
  .object({
    /** How far the timestamp may be from the hub's clock, either way (default 300 s). */
    toleranceSeconds: z.number().int().min(1).max(3600).default(300),
  })
  .strict();
export type Settings = z.output<typeof Settings>;

export const Secrets = z.object({
  signingSecret: z.string().min(8, 'the signing secret must be at least 8 characters'),
  /** The secret before a rotation, still accepted until removed. */
  previousSigningSecret: z.string().min(8).optional(),
});
export type Secrets = z.output<typeof Secrets>;
