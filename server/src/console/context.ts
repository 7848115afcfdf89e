import { describeError, HubError, type Role, roleAllows } from '@switchyard/core';
import type { Context } from 'hono';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { OperatorContext } from '../operator/index.ts';
import type { AssetUrls } from './assets.ts';
import type { View } from './layout.tsx';
import type { Session, SessionStore } from './session.ts';

/** What the console's routes share. */
export interface ConsoleDeps {
  hub: Pick<Hub, 'sql' | 'connections' | 'config'> & Partial<Pick<Hub, 'box'>>;
  log: Logger;
  /** Where the console is mounted. */
  base: string;
  assets: AssetUrls;
  sessions: SessionStore;
  /** What the operator functions get besides the hub and the principal (the job runner's nudge, metrics). */
  operator: Omit<OperatorContext, 'hub' | 'by' | 'requestId'>;
}

export type ConsoleEnv = { Variables: { session: Session; requestId: string } };
export type ConsoleContext = Context<ConsoleEnv>;

/** The page's view: who is signed in, the messages waiting for them (taken now), where the page is. */
export function viewOf(c: ConsoleContext, deps: ConsoleDeps): View {
  const session = c.get('session');
  const flash = session.flash;
  session.flash = [];
  return { base: deps.base, assets: deps.assets, session, path: c.req.path, flash };
}

/** The operator functions' context for the signed-in principal. */
export function operatorOf(c: ConsoleContext, deps: ConsoleDeps): OperatorContext {
  return { ...deps.operator, hub: deps.hub, by: c.get('session').principal, requestId: c.get('requestId') };
}

/** Whether the signed-in key may do what `role` may (forms are shown only then; the operator functions check too). */
export function may(c: ConsoleContext, role: Role): boolean {
  return roleAllows(c.get('session').principal.role, role);
}

/** A failure told to the operator as it is (a replay that failed again, nothing selected): not logged as a fault. */
export class Refusal extends Error {}

/** An error in words for the page: a HubError's detail and fix; anything else is logged and named only vaguely. */
export function messageOf(error: unknown, deps: ConsoleDeps, what: string): string {
  if (error instanceof HubError) {
    return error.problem.fix ? `${error.problem.detail}. ${error.problem.fix}` : error.problem.detail;
  }
  if (error instanceof Refusal) return error.message;
  deps.log.error('console action failed', { action: what, error: describeError(error) });
  return `${what} failed; the hub log has the reason`;
}

/**
 * Runs an operator action from a form and answers with a redirect (post, redirect, get): the outcome is a
 * message on the next page, a HubError's words when it fails.
 */
export async function act(
  c: ConsoleContext,
  deps: ConsoleDeps,
  what: string,
  back: string,
  action: () => Promise<string>,
): Promise<Response> {
  const session = c.get('session');
  try {
    session.flash.push({ kind: 'ok', text: await action() });
  } catch (error) {
    session.flash.push({ kind: 'error', text: messageOf(error, deps, what) });
  }
  return c.redirect(back, 303);
}

/** A form's field as one trimmed string ('' when absent). */
export function field(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' ? one.trim() : '';
}

/** A form's field as every value given (checkboxes of the same name). */
export function fields(form: Record<string, unknown>, name: string): string[] {
  const value = form[name] ?? form[`${name}[]`];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** A path under the console, only when it is one (for `next` after sign-in, `back` after an action). */
export function localPath(base: string, candidate: string | undefined, fallback: string): string {
  if (!candidate) return fallback;
  if (!candidate.startsWith(`${base}/`) && candidate !== base) return fallback;
  if (/[\\\s]|\/\//.test(candidate)) return fallback;
  return candidate;
}
