import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './hub-process.ts';

/** Starts one of test/fakes/*-server.ts in its own process and resolves with its origin. */
export async function startFake(
  script: string,
  env: Record<string, string>,
): Promise<{ origin: string; stop(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'test/fakes', script)],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return { origin, stop: () => child.kill('SIGTERM') };
}
