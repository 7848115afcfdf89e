import { createRoute, z } from '@hono/zod-openapi';
import { createKey, keys, revokeKey } from '../operator/index.ts';
import { type Api, type ApiDeps, operatorOf } from './context.ts';
import { ApiKeySchema, errors, IdParam, json } from './schemas.ts';

const tags = ['Keys'];
const list = createRoute({
  method: 'get',
  path: '/keys',
  tags,
  summary: "The tenant's API keys (admin); never the keys themselves",
  responses: { 200: json(z.object({ items: z.array(ApiKeySchema) }), 'Keys'), ...errors },
});
const create = createRoute({
  method: 'post',
  path: '/keys',
  tags,
  summary: 'Create a key (admin); the key is in this answer only',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({
            role: z.enum(['viewer', 'operator', 'admin']),
            name: z.string().trim().min(1).max(100).optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    201: json(z.object({ key: ApiKeySchema, secret: z.string() }), 'The key, shown once'),
    ...errors,
  },
});
const revoke = createRoute({
  method: 'post',
  path: '/keys/{id}/revoke',
  tags,
  summary: 'Revoke a key (admin): it authenticates nothing from now on',
  request: { params: IdParam('key id', 'key_01JD0000000000000000000000') },
  responses: { 200: json(ApiKeySchema, 'The key, revoked'), ...errors },
});

export function keyRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(list, async (c) => c.json({ items: await keys(operatorOf(c, deps)) }, 200));
  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const created = await createKey(operatorOf(c, deps), {
      role: body.role,
      ...(body.name ? { name: body.name } : {}),
    });
    return c.json(created, 201);
  });
  app.openapi(revoke, async (c) =>
    c.json(await revokeKey(operatorOf(c, deps), c.req.valid('param').id), 200),
  );
}
