import { TradingPartner } from '@switchyard/mappings';
import { z } from 'zod';
import type { ReadOptions } from './envelope.ts';

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

type Identity = { qualifier: string; id: string; gsId?: string | undefined };

/**
 * How a file from this partner is read: the ISA and GS ids it must carry (theirs as sender, ours as receiver; the
 * GS ids are the ISA ids unless the profile names others), the version agreed with it, and the currency its
 * amounts are in when an 850 has no CUR. Parts the profile lacks (`edi inspect` without --partner) are not checked.
 */
export function readingFor(
  profile: { partner?: Identity; us?: Identity; version?: string; currency?: string } | undefined,
): Pick<ReadOptions, 'expect' | 'currency'> {
  if (!profile) return {};
  const { partner, us } = profile;
  return {
    expect: {
      ...(partner
        ? {
            sender: { qualifier: partner.qualifier, id: partner.id },
            groupSender: partner.gsId ?? partner.id,
          }
        : {}),
      ...(us ? { receiver: { qualifier: us.qualifier, id: us.id }, groupReceiver: us.gsId ?? us.id } : {}),
      ...(profile.version ? { version: profile.version } : {}),
    },
    ...(profile.currency ? { currency: profile.currency } : {}),
  };
}
