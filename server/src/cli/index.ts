import { parseArgs } from 'node:util';
import { ConfigError, describeError, HubError } from '@switchyard/core';
import { books } from './books.ts';
import { config } from './config.ts';
import { connections } from './connections.ts';
import { demo } from './demo.ts';
import { edi } from './edi.ts';
import { exceptions } from './exceptions.ts';
import { type InventoryFlags, inventory, inventoryArgs } from './inventory.ts';
import { keys } from './keys.ts';
import { migrate } from './migrate.ts';
import { newConnector } from './new.ts';
import { normalizeFile } from './normalize.ts';
import { orders } from './orders.ts';
import { replay } from './replay.ts';
import { out, UsageError } from './shared.ts';
import { startHub } from './start.ts';
import { pull } from './sync.ts';

const HELP = `switchyard — order-integration hub

Usage: switchyard <command> [options]

  start                          run the hub (PORT, default 8080; HOST, default 127.0.0.1)
  migrate                        apply database migrations
  config check                   validate switchyard.config.ts and print what it declares
  normalize <connector> <file>   print the canonical order(s) a stored payload maps to
  orders list                    list orders, newest first (--status, --limit, --after)
  orders show <id>               one order with its timeline
  exceptions list                exceptions, newest first, a page at a time (--status open|resolved|all,
                                 --connection, --kind, --since <time or 24h>, --limit 1..1000, --cursor)
  sync <connection>              pull what changed since the last sync (resumes an interrupted one)
  connections sync-webhooks <connection>   create or repair the vendor's webhook subscriptions (--url)
  connections authorize <connection>   print the QuickBooks / Xero consent link and wait until the running
                                 hub has the grant (--url <hub's public url>, --no-wait)
  backfill <connection> --since <date>   pull history from that date; Ctrl-C stops, running again resumes
  exceptions replay <id>         run an exception's stored input again
  replay <workflow id>           resume a failed order workflow from the step that failed
  inventory levels               stock by SKU and location (--sku <prefix>, --location, --short, --limit)
  inventory sku <SKU>            one SKU at each location, and the movements behind the figures
  inventory receive|count <sku> <location> <qty>    record a receipt, or the units counted (--reason)
  inventory adjust <sku> <location> <±qty> --reason <why>   correct the shelf by a signed change
  inventory load <file.csv>      counts from a CSV (sku,location,quantity[,reason]), all or nothing, once
                                 per file (--kind count|receipt|adjustment)
  inventory movements            the ledger's movements, newest first (--sku, --location, --order)
  inventory reroute <order> <n> <location>   move a planned shipment to another location
  inventory locations            the tenant's locations, as the config declares them
  edi inspect <file>             the verdict on an X12 file: TA1, 997, errors, orders (--partner <id>)
  edi documents                  what was sent to partners and their acknowledgments (--partner <id>)
  edi resend <document id>       deliver a document whose delivery gave up, once its transport is fixed
  books postings                 documents posted to QuickBooks / Xero, newest first (--connection, --status)
  books summaries | books summary <id>   daily summary journals; one with the orders behind its lines
  keys create --role <role>      an API key for the REST API and the console, printed once
                                 (--tenant, --name; roles: viewer, operator, admin)
  keys list | keys revoke <id>   a tenant's keys (never the keys themselves); revoke one
  demo                           send the example orders (and two bad ones) to the running hub (--url)
  new connector <id>             scaffold connectors/<id>: a working channel connector and its registry line

Options:
  --config <file>     config file (default ./switchyard.config.ts, or SWITCHYARD_CONFIG)
  --tenant <id>       tenant to act for (needed when the config has several)
  --json              machine-readable output
  --header 'K: V'     with normalize: a header the payload arrived with (repeatable)
  --connection <id>   with normalize: use that connection's settings; with exceptions list: only its own
  --since <date>      with backfill: ISO date or time to start from; with exceptions list: also an age (24h)
  --restart           with sync or backfill: start afresh instead of resuming an interrupted run
  --url <public url>  with sync-webhooks: where vendors reach this hub (default server.publicUrl)
  --partner <id>      with edi: the trading partner connection whose profile applies
  --kind <kind>       with exceptions list: only that kind (normalize, order, ...); with inventory load:
                      what the rows are (count, the default; receipt; adjustment)
  --cursor <c>        with exceptions list: the page after the one that printed it
  --root <dir>        with new connector: the checkout to write into (default: the one around the cwd)

Database: DATABASE_URL, or an embedded PostgreSQL under .switchyard/ when unset.`;

/**
 * Runs one command and answers its exit code, or -1 while the hub keeps running (`start`). A failure is written
 * to stderr after `switchyard: ` (one line, but for the list of config problems): usage errors, bad input,
 * config problems and 4xx problems exit 2, anything else 1.
 */
export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: inventoryArgs(argv),
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        tenant: { type: 'string' },
        json: { type: 'boolean' },
        status: { type: 'string' },
        limit: { type: 'string' },
        after: { type: 'string' },
        header: { type: 'string', multiple: true },
        connection: { type: 'string' },
        port: { type: 'string' },
        since: { type: 'string' },
        restart: { type: 'boolean' },
        url: { type: 'string' },
        partner: { type: 'string' },
        kind: { type: 'string' },
        cursor: { type: 'string' },
        root: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        sku: { type: 'string' },
        location: { type: 'string' },
        short: { type: 'boolean' },
        reason: { type: 'string' },
        order: { type: 'string' },
        'no-wait': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`switchyard: ${describeError(error)} (see switchyard --help)\n`);
    return 2;
  }
  const values = parsed.values as InventoryFlags & { help?: boolean };
  const [command, ...rest] = parsed.positionals;
  try {
    if (values.help || !command || command === 'help') {
      out(HELP);
      return command || values.help ? 0 : 2;
    }
    switch (command) {
      case 'start':
        await startHub(values);
        return -1; // keeps running
      case 'migrate':
        await migrate(values);
        return 0;
      case 'config':
        await config(values, rest);
        return 0;
      case 'normalize':
        await normalizeFile(values, rest);
        return 0;
      case 'orders':
        await orders(values, rest);
        return 0;
      case 'exceptions':
        await exceptions(values, rest);
        return 0;
      case 'inventory':
        await inventory(values, rest);
        return 0;
      case 'sync':
      case 'backfill':
        return await pull(values, command, rest);
      case 'replay':
        await replay(values, rest);
        return 0;
      case 'edi':
        return await edi(values, rest);
      case 'new':
        newConnector(values, rest);
        return 0;
      case 'connections':
        await connections(values, rest);
        return 0;
      case 'books':
        await books(values, rest);
        return 0;
      case 'keys':
        await keys(values, rest);
        return 0;
      case 'demo':
        await demo(values);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}" (see switchyard --help)`);
    }
  } catch (error) {
    const message =
      error instanceof ConfigError
        ? `${error.issues.length} config problem(s):\n${error.issues.map((i) => `  ${i.path}: ${i.problem} — fix: ${i.fix}`).join('\n')}`
        : describeError(error);
    process.stderr.write(`switchyard: ${message}\n`);
    return error instanceof UsageError ||
      error instanceof ConfigError ||
      (error instanceof HubError && error.problem.status < 500)
      ? 2
      : 1;
  }
}
