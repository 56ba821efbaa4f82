/**
 * Turns the calling process, started as root, into a system account for good: its supplementary
 * groups (`initgroups`, as a login sets them), then its primary group, then its user. Used by the
 * dashboard's children that act for someone else: the permission checker
 * (account-checker-child.ts) and a job run as a user (as-account.ts).
 *
 * Guarantees: on return the real and effective uid and gid are the account's and root cannot be
 * regained; on any failure it throws and the caller exits without doing anything as root.
 * Node's own `spawn({ uid, gid })` is not used: it clears the supplementary groups, and group
 * membership is what a permission check is about.
 */

/** Node's process on POSIX systems, with `initgroups` (which @types/node leaves out). */
type PosixProcess = NodeJS.Process & { initgroups?(user: string, extraGroup: number): void };

/** Becomes `account` (uid, primary gid); throws when the switch did not happen exactly. */
export function becomeAccount(account: string, uid: number, gid: number): void {
  if (process.getuid?.() !== 0) throw new Error(`only root can act as ${account}; this process runs as uid ${process.getuid?.()}`);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid < 0 || gid < 0) throw new Error(`bad uid ${uid} or gid ${gid} for ${account}`);
  const p: PosixProcess = process;
  if (p.initgroups === undefined || p.setgid === undefined || p.setuid === undefined || p.geteuid === undefined || p.getegid === undefined || p.getgid === undefined) {
    throw new Error('this platform cannot switch accounts');
  }
  p.initgroups(account, gid);
  p.setgid(gid);
  p.setuid(uid);
  if (p.getuid?.() !== uid || p.geteuid() !== uid || p.getgid() !== gid || p.getegid() !== gid) {
    throw new Error(`switching to ${account} left uid ${p.geteuid()} gid ${p.getegid()}`);
  }
  if (uid !== 0) {
    let regained = true;
    try {
      p.setuid(0);
    } catch {
      regained = false;
    }
    if (regained) throw new Error(`switching to ${account} could be undone`);
  }
}
