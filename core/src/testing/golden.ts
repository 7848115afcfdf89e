import { existsSync } from 'node:fs';
import { relative } from 'node:path';

/** Set to write golden files that do not exist yet (locally, never in CI). */
export const UPDATE_GOLDEN = 'UPDATE_GOLDEN';

/**
 * A golden file must exist before a test compares with it: a missing one fails and says how to write it, so
 * that no output is taken as right without a person reading it first. Vitest alone would write it silently
 * outside CI.
 */
export function requireGolden(path: string, env: Record<string, string | undefined> = process.env): void {
  if (existsSync(path) || env[UPDATE_GOLDEN] === '1') return;
  const file = relative(process.cwd(), path);
  throw new Error(
    `golden file ${file} does not exist: read the output this test prints, and when it is right write it with ${UPDATE_GOLDEN}=1 npx vitest run <this test file>, then commit ${file}`,
  );
}
