import { TradingPartner } from '@switchyard/mappings';
import { z } from 'zod';

/** A partner connection's settings: its profile, the connection id being the partner's id. */
export const PartnerSettings = TradingPartner.omit({ id: true });
export type PartnerSettings = z.infer<typeof PartnerSettings>;

/** A partner connection's secrets: the token it sends to `POST /edi/<id>`, and its transport's credentials. */
export const PartnerSecrets = z
  .object({
    /** The partner sends it as `Authorization: Bearer <token>` to `POST /edi/<id>`. */
    inboundToken: z.string().min(16, 'the inbound token must be at least 16 characters'),
  })
  .catchall(z.string());
export type PartnerSecrets = z.infer<typeof PartnerSecrets>;
