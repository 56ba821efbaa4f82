/**
 * A move that `kill -9`s itself, for the recovery tests: run as
 * `node move-killed-child.js DB DEST WHEN`, it moves the store's indexed files to DEST and sends
 * itself SIGKILL after the second file is copied (WHEN = `copy`) or right after the store names
 * the new paths (WHEN = `commit`).
 */
import { moveFiles, openStore } from '../../src/index.js';

const [db, dest, when] = process.argv.slice(2) as [string, string, string];
const store = await openStore(db);
let copies = 0;
await moveFiles(store, dest, {
  hooks: {
    afterCopy: () => {
      if (when === 'copy' && ++copies === 2) process.kill(process.pid, 'SIGKILL');
    },
    afterCommit: () => {
      if (when === 'commit') process.kill(process.pid, 'SIGKILL');
    },
  },
});
process.stdout.write('finished without being killed\n');
await store.close();
