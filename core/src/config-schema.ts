import { z } from 'zod';
import type { EnvRef } from './config.ts';

// The shape of switchyard.config.ts as zod checks it, and how its issues are named (a path a person can find,
// a fix). The meaning of each field is documented on HubConfig in config.ts; resolving it is there too.

const Slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
  );
export const EnvRefSchema = z
  .object({ $env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/), default: z.string().optional() })
  .strict();

export const ConfigSchema = z.object({
  tenants: z
    .array(z.object({ id: Slug, name: z.string().min(1) }).strict())
    .min(1, 'declare at least one tenant'),
  connections: z.array(
    z
      .object({
        id: Slug,
        tenant: z.string(),
        connector: z.string(),
        settings: z.record(z.string(), z.unknown()).optional(),
        secrets: z.record(z.string(), z.unknown()).optional(),
        poll: z.object({ every: z.string() }).strict().optional(),
        fulfillment: z.record(z.string(), z.unknown()).optional(),
        stock: z.record(z.string(), z.unknown()).optional(),
        accounting: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
  ),
  locations: z.array(z.record(z.string(), z.unknown())).optional(),
  server: z
    .object({
      bodyLimit: z.union([z.number().int().positive(), z.string()]).optional(),
      bodyMemory: z.union([z.number().int().positive(), z.string()]).optional(),
      requestTimeout: z.string().optional(),
      headersTimeout: z.string().optional(),
      maxConnections: z.number().int().min(1).max(65_535).optional(),
      unhealthyAfter: z.string().optional(),
      publicUrl: z.url({ message: 'must be an absolute URL such as https://hub.example.com' }).optional(),
      intake: z.enum(['sync', 'deferred']).optional(),
      log: z.enum(['auto', 'json', 'pretty'], { message: 'must be "auto", "json" or "pretty"' }).optional(),
      metrics: z
        .object({
          token: z
            .custom<EnvRef>((v) => EnvRefSchema.safeParse(v).success, {
              message: "must be env('NAME'), a reference to an environment variable, never a literal",
            })
            .optional(),
          port: z
            .number({ message: 'must be a port number' })
            .int('must be a whole port number')
            .min(0, 'must be a port number from 1 to 65535 (0: any free port)')
            .max(65_535, 'must be a port number from 1 to 65535 (0: any free port)')
            .optional(),
          hostname: z.string().min(1, 'must name an interface, e.g. 127.0.0.1 or 0.0.0.0').optional(),
        })
        .strict()
        .optional(),
      tracing: z
        .object({
          otlpEndpoint: z.url({ message: 'must be an absolute URL such as http://127.0.0.1:4318/v1/traces' }),
          serviceName: z.string().min(1).max(100).optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .optional(),
});

export function formatPath(path: readonly PropertyKey[], config: unknown): string {
  let out = '';
  let node: unknown = config;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const id = node && typeof node === 'object' && 'id' in node ? (node as { id: unknown }).id : undefined;
      if (typeof id === 'string') out += `(id "${id}")`;
    } else {
      out += out ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    }
  }
  return out || '(root)';
}

export function fixFor(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `remove ${issue.keys.map((k) => `"${k}"`).join(', ')} or check its spelling`;
  if (issue.code === 'invalid_type') return `give a value of type ${issue.expected}`;
  return 'correct the value as described';
}
