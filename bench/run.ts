import os from 'node:os';
import { historyLoad } from './history-load.js';
import { loadBench } from './load/load-bench.js';
import { parseLoadArgs, wantsLoadOnly } from './load/options.js';
import { wireBytes } from './wire-bytes.js';

/**
 * `npm run bench`: the micro-benchmarks, then the quick load preset against ours and the reference.
 * `npm run bench -- --quick | --full | --sessions S --participants k --duration SEC`: the load run only
 * (see bench/load/options.ts for every flag). Prints each benchmark's figures as a table, with the machine.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const load = parseLoadArgs(argv);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  if (!wantsLoadOnly(argv)) {
    console.log('\nBytes on the wire for a one-character insert (frame sizes, WebSocket framing excluded)');
    console.table(await wireBytes());
  }
  if (!wantsLoadOnly(argv) || load.historyLoad) {
    // Ours only: the reference keeps no history (no persistence configured), so there is nothing to load.
    console.log('\nLoad time of a session with a long history (ours, SQLite, fresh hub each run, 5 runs; skipped for the reference, which keeps no history)');
    console.table(await historyLoad());
  }
  await loadBench(load);
}

await main();
