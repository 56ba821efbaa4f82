/**
 * The permission checker's process (started by account-file-access.ts as root, with the account's
 * name, uid and gid as arguments): it becomes the account for good (become-account.ts), then
 * answers batches of paths over the IPC channel with `access(R_OK)`, which the kernel decides with
 * the account's uid, groups and the files' ACLs. It exits when the channel closes, so it never
 * outlives the dashboard that started it.
 *
 * Messages: in `{id, paths}`; out `{ready, uid, groups}` once, then `{id, readable}` per batch, or
 * `{failed}` before exiting when the switch to the account did not succeed.
 */
import { mayRead } from '../store/file-access.js';
import { becomeAccount } from './become-account.js';

const [account, uid, gid] = process.argv.slice(2);
const send = (message: unknown): void => {
  process.send?.(message);
};

process.on('disconnect', () => process.exit(0));
try {
  becomeAccount(account ?? '', Number(uid), Number(gid));
} catch (e) {
  send({ failed: e instanceof Error ? e.message : String(e) });
  process.disconnect?.();
  process.exitCode = 3;
}
if (process.exitCode !== 3) {
  send({ ready: true, uid: process.getuid?.(), groups: process.getgroups?.() ?? [] });
  process.on('message', (message: { id?: unknown; paths?: unknown }) => {
    const paths = Array.isArray(message.paths) ? message.paths : [];
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const readable = paths.map((p) => typeof p === 'string' && mayRead(p));
    Error.stackTraceLimit = stackTraceLimit;
    send({ id: message.id, readable });
  });
}
