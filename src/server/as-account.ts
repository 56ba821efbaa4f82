/**
 * Runs `dsi` as another system account, for a job a dashboard serving a group starts for one of
 * its users: `node as-account.js ACCOUNT UID GID -- DSI-ARGUMENTS…`, started as root. It becomes
 * the account for good (become-account.ts: its groups too, unlike `spawn({ uid })`), then runs the
 * command line in this same process, so the job's signals (SIGINT: stop with a checkpoint) reach
 * `dsi` itself and everything it writes belongs to the account.
 *
 * Guarantees: nothing of `dsi` runs unless the switch succeeded; a failed switch prints one line
 * and exits with status 1.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { becomeAccount } from './become-account.js';

/** The `dsi` entry point, from the compiled module in dist/src/server/. */
const DSI_BIN = fileURLToPath(new URL('../../../bin/dsi.js', import.meta.url));

const [account, uid, gid, separator, ...args] = process.argv.slice(2);
try {
  if (separator !== '--') throw new Error('usage: as-account.js ACCOUNT UID GID -- DSI-ARGUMENTS…');
  becomeAccount(account ?? '', Number(uid), Number(gid));
} catch (e) {
  process.stderr.write(`dsi: cannot run as ${account}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
process.argv = [process.argv[0]!, DSI_BIN, ...args];
await import(pathToFileURL(DSI_BIN).href);
