/**
 * An operation of the `kill -9` loop killed at a chosen step rather than a random time, for the
 * regression tests of what the loop found: run as `node kill-loop-at-child.js OPERATION WORK
 * WHEN`, it runs OPERATION (predict or evaluate, kill-loop.ts) on the store WORK/dsi.db and sends
 * itself SIGKILL just before its rows' transaction (WHEN = `before-rows`), just after it
 * commits (WHEN = `after-rows`), or, for training, just after epoch N's row is recorded
 * (WHEN = `after-epoch:N`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/index.js';
import { RunRegistry } from '../../src/ml/index.js';
import { KILL_OPERATIONS } from './kill-loop.js';

const [name, work, when] = process.argv.slice(2) as [string, string, string];
if (when.startsWith('after-epoch:')) {
  const record = RunRegistry.prototype.recordEpoch;
  RunRegistry.prototype.recordEpoch = async function (this: RunRegistry, ...args: Parameters<typeof record>) {
    await record.apply(this, args);
    if (args[0].epoch === Number(when.split(':')[1])) process.kill(process.pid, 'SIGKILL');
  };
} else {
  const transaction = RunRegistry.prototype.transaction;
  RunRegistry.prototype.transaction = async function (this: RunRegistry, ...args: Parameters<typeof transaction>) {
    if (when === 'before-rows') process.kill(process.pid, 'SIGKILL');
    const r = await transaction.apply(this, args);
    process.kill(process.pid, 'SIGKILL');
    return r;
  } as typeof transaction;
}
const ids = JSON.parse(fs.readFileSync(path.join(work, 'kill-loop.json'), 'utf8')) as Record<string, string>;
const store = await openStore(path.join(work, 'dsi.db'));
await KILL_OPERATIONS[name]!.run({ store, work, ids });
process.stdout.write('finished without being killed\n');
