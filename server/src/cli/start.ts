import { loadConfig } from '../hub.ts';
import { createLogger } from '../log.ts';
import { start } from '../start.ts';
import { type Flags, UsageError } from './shared.ts';

/** `switchyard start`: the hub, in this process and its workers, until a signal stops it. */
export async function startHub(values: Flags) {
  const rawPort = values.port ?? process.env.PORT ?? '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new UsageError(`PORT "${rawPort}" is not a port number`);
  const rawWorkers = process.env.SWITCHYARD_WORKERS ?? '1';
  const workers = Number(rawWorkers);
  if (!/^\d+$/.test(rawWorkers) || workers < 1 || workers > 64) {
    throw new UsageError(`SWITCHYARD_WORKERS "${rawWorkers}" must be a whole number from 1 to 64`);
  }
  // server.log: pretty on a terminal, JSON lines otherwise (SWITCHYARD_LOG_FORMAT overrides).
  const { config } = await loadConfig(values.config);
  const log = createLogger({ format: config.server.log });
  await start({ configFile: values.config, port, hostname: process.env.HOST ?? '127.0.0.1', workers, log });
}
