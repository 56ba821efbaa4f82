/**
 * One operation of the `kill -9` loop (kill-loop.ts), run as `node kill-loop-child.js OPERATION
 * WORK`: it opens the store WORK/dsi.db, writes `ready` on stdout (the loop times its kill from
 * there), runs the operation to its end, closes the store and writes `done`. The loop sends
 * SIGKILL at a random point in between.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/index.js';
import { KILL_OPERATIONS } from './kill-loop.js';

const [name, work] = process.argv.slice(2) as [string, string];
const operation = KILL_OPERATIONS[name];
if (operation === undefined) throw new Error(`no operation "${name}"`);
const ids = JSON.parse(fs.readFileSync(path.join(work, 'kill-loop.json'), 'utf8')) as Record<string, string>;
await operation.preload?.();
const store = await openStore(path.join(work, 'dsi.db'));
process.stdout.write('ready\n');
await operation.run({ store, work, ids });
await store.close();
process.stdout.write('done\n');
