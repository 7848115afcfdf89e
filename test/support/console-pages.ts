import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { repoRoot } from './hub-process.ts';

/** Where the console's browser tests keep their screenshots. */
export const CONSOLE_SHOTS = join(repoRoot, 'test-results', 'console');

/** Debian's Chromium, which .ci/run installs with apt-get (never a browser download). */
const CHROMIUM = '/usr/bin/chromium';

/** Chromium, headless, for the console's browser tests (the screenshot folder made), or a clear error without it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the console's browser tests need Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium); .ci/run does`,
    );
  }
  mkdirSync(CONSOLE_SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * What the console's browser tests do on every page: sign in with a key, wait for a page's heading (htmx's
 * boosted navigation at its end), keep a full-page screenshot. `url` is read when called (the hub starts later).
 */
export function consolePages(url: () => string) {
  return {
    async signIn(context: BrowserContext, key: string): Promise<Page> {
      const page = await context.newPage();
      await page.goto(`${url()}/console/`);
      await expect.poll(() => page.url()).toContain('/console/sign-in');
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      return page;
    },
    async shot(page: Page, name: string) {
      await page.screenshot({ path: join(CONSOLE_SHOTS, `${name}.png`), fullPage: true });
    },
    async heading(page: Page, text: string | RegExp) {
      await page.getByRole('heading', { level: 1, name: text }).waitFor();
    },
  };
}
