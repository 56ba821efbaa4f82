/**
 * A prediction process that `kill -9`s itself midway, for the staging clean-up tests: run as
 * `node predict-killed-child.js DB RUN_ID COUNT`, it predicts COUNT images of run RUN_ID and sends
 * itself SIGKILL once the first batch of images is written to the call's staging folder.
 */
import { openStore } from '../../src/index.js';
import { predictGan } from '../../src/ml/index.js';

const [db, run, count] = process.argv.slice(2) as [string, string, string];
const store = await openStore(db);
await predictGan(store, {
  run,
  count: Number(count),
  seed: 1,
  onProgress: (e) => {
    if (e.done < e.total!) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('finished without being killed\n');
await store.close();
