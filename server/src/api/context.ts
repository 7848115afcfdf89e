import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { OperatorContext, VendorCallStats } from '../operator/index.ts';
import type { ApiEnv } from './auth.ts';

/** What the API's routes need of the hub process. */
export interface ApiDeps {
  hub: Pick<Hub, 'sql' | 'connections' | 'config'> & Partial<Pick<Hub, 'workflowAdmin' | 'box'>>;
  log: Logger;
  /** Tells this process's job runner that a job was queued. */
  nudgeJobs?: () => void;
  vendorStats?: (connectionId: string) => VendorCallStats;
}

export type Api = OpenAPIHono<ApiEnv>;

/** The operator context of a request: its key's principal (and so its tenant), on this hub. */
export function operatorOf(c: Context<ApiEnv>, deps: ApiDeps): OperatorContext {
  return {
    hub: deps.hub,
    by: c.get('principal'),
    requestId: c.get('requestId'),
    ...(deps.nudgeJobs ? { nudgeJobs: deps.nudgeJobs } : {}),
    ...(deps.vendorStats ? { vendorStats: deps.vendorStats } : {}),
  };
}
