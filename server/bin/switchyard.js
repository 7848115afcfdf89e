#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader: no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The server's tsconfig wherever the command runs from: the console's pages are JSX (hono/jsx).
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/index.ts');
const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
