/**
 * Waits until `check` holds (it may be async), looking every 50 ms, and fails naming `what` after `timeoutMs`.
 * `describe` adds what to show on failure (a process's log).
 */
export async function eventually(
  what: string,
  check: () => boolean | undefined | Promise<boolean | undefined>,
  { timeoutMs = 20_000, describe }: { timeoutMs?: number; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${describe ? `:\n${describe()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
