import os from 'node:os';
import { historyLoad } from './history-load.js';
import { wireBytes } from './wire-bytes.js';

/** `npm run bench`: prints each benchmark's figures as a table, with the machine they ran on. */
async function main(): Promise<void> {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  console.log('\nBytes on the wire for a one-character insert (frame sizes, WebSocket framing excluded)');
  console.table(await wireBytes());
  console.log('\nLoad time of a session with a long history (SQLite, fresh hub each run, 5 runs)');
  console.table(await historyLoad());
}

await main();
