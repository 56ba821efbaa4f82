/**
 * The git state of a folder (commit, branch, remote, dirty) for the `env` reader, read without
 * executing anything the repository configures. A repository's `.git/config` can name commands
 * that git runs on its own (`core.fsmonitor` on every index read, `filter.NAME.clean`/`process`
 * on every file `status` hashes, hooks, submodules with configs of their own): reading a folder
 * someone else prepared must not run them. So every call runs with the system configuration off,
 * the caller's `GIT_*` variables dropped, and those settings overridden on the command line
 * (which outranks every configuration file): fsmonitor off, hooks pointed at /dev/null, no
 * transport allowed, every filter the configuration names emptied, submodules ignored.
 *
 * Remote URLs are stored without credentials: `https://user:token@host/x` → `https://host/x`,
 * `ssh://git:secret@host/x` → `ssh://git@host/x`, `git:secret@host:x` → `git@host:x`, and
 * `https://host/x?private_token=…` → `https://host/x` (no query or fragment).
 *
 * @example
 * const state = gitState('/data/run-42'); // { commit, branch, remote, dirty } (nulls outside a repository)
 */
import { execFileSync } from 'node:child_process';

export interface GitState {
  readonly commit: string | null;
  readonly branch: string | null;
  /** The `origin` remote's URL without user name or password (ssh keeps its user name). */
  readonly remote: string | null;
  /** 1 when `git status` shows changes, 0 when clean, null outside a repository. */
  readonly dirty: 0 | 1 | null;
}

/** Settings that make git run a command, each overridden to do nothing. */
const NEUTRAL_SETTINGS = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.sshCommand=',
  'core.askPass=',
  'credential.helper=',
  'protocol.allow=never',
  'diff.external=',
  'status.submoduleSummary=false',
  'diff.ignoreSubmodules=all',
];

/** The environment git runs in: the caller's minus every `GIT_*` variable, system configuration off. */
function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat' };
}

/**
 * Output of `git -C folder …args`, trimmed; null when git is missing, fails or hangs. The settings
 * go in through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` (git 2.31 and later),
 * which keep key and value apart: `-c KEY=VALUE` splits at the first `=`, so a filter driver
 * named `a=b` could not be overridden that way. They go in as `-c` too where the key allows it,
 * for older git.
 */
function run(folder: string, settings: readonly string[], args: readonly string[]): string | null {
  try {
    const env = gitEnvironment();
    const pairs = settings.map((s) => splitSetting(s));
    env['GIT_CONFIG_COUNT'] = String(pairs.length);
    pairs.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    const config = pairs.filter(([key]) => !key.includes('=')).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
    return execFileSync('git', ['--no-pager', ...config, '-C', folder, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
      env,
    }).trim();
  } catch {
    return null;
  }
}

/** A setting `KEY=VALUE` as [key, value], split at the `=` that ends the variable name (the last part of the key has no `=`). */
function splitSetting(setting: string): [string, string] {
  // A key is section[.subsection].variable; only a subsection may hold '=' and '.', the variable is [A-Za-z0-9-].
  const m = /^(.*\.[A-Za-z][A-Za-z0-9-]*)=(.*)$/s.exec(setting);
  if (m === null) throw new Error(`not a git setting: ${setting}`);
  return [m[1]!, m[2]!];
}

/** Whether git reads settings from `GIT_CONFIG_COUNT` (2.31 and later). */
function gitReadsConfigFromEnvironment(): boolean {
  const version = run('.', [], ['--version']) ?? '';
  const m = /(\d+)\.(\d+)/.exec(version);
  return m !== null && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 31));
}

/**
 * The neutral settings plus an empty command for every filter driver the configuration names
 * (reading the configuration runs nothing; a driver may have any name, so they are listed first).
 */
function safeSettings(folder: string): string[] {
  const names = run(folder, NEUTRAL_SETTINGS, ['config', '--null', '--name-only', '--list']) ?? '';
  const filters = new Set<string>();
  for (const key of names.split('\u0000')) {
    const m = /^filter\.(.+)\.[^.]+$/i.exec(key.trim());
    if (m) filters.add(m[1]!);
  }
  return [...NEUTRAL_SETTINGS, ...[...filters].flatMap((f) => [`filter.${f}.clean=`, `filter.${f}.smudge=`, `filter.${f}.process=`, `filter.${f}.required=false`])];
}

/** Whether every setting can reach git: a filter name holding `=` needs `GIT_CONFIG_COUNT`. */
function settingsReachGit(settings: readonly string[]): boolean {
  return settings.every((s) => !splitSetting(s)[0].includes('=')) || gitReadsConfigFromEnvironment();
}

/** The git state of `folder`; every field null when git is missing or the folder is no repository. */
export function gitState(folder: string): GitState {
  const settings = safeSettings(folder);
  const git = (...args: string[]) => run(folder, settings, args);
  const inRepository = git('rev-parse', '--is-inside-work-tree') === 'true';
  if (!inRepository) return { commit: null, branch: null, remote: null, dirty: null };
  // `status` hashes files through their filters: run it only when every filter can be emptied.
  const status = settingsReachGit(settings) ? git('status', '--porcelain', '--ignore-submodules=all') : null;
  const remote = git('remote', 'get-url', 'origin');
  return {
    commit: git('rev-parse', 'HEAD'),
    branch: git('symbolic-ref', '--short', 'HEAD'),
    remote: remote === null ? null : remoteWithoutCredentials(remote),
    dirty: status === null ? null : status === '' ? 0 : 1,
  };
}

const SSH_SCHEMES = new Set(['ssh', 'git+ssh', 'ssh+git']);

/**
 * A remote URL without its credentials. URLs with a scheme lose their user information (ssh
 * schemes keep the user name, which is no secret, and lose the password); scp-like `user@host:path`
 * keeps the user name and loses anything after a `:` in it; local paths are returned as they are.
 *
 * @example remoteWithoutCredentials('https://me:ghp_x@github.com/o/r.git') // 'https://github.com/o/r.git'
 */
export function remoteWithoutCredentials(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme) {
    const start = scheme[0].length;
    const authorityEnd = url.slice(start).search(/[/?#]/);
    const authority = authorityEnd < 0 ? url.slice(start) : url.slice(start, start + authorityEnd);
    const at = authority.lastIndexOf('@');
    // A query or fragment can carry a token (`?private_token=…`): a remote needs neither.
    const withoutQuery = (u: string) => u.replace(/[?#].*$/s, '');
    if (at < 0) return withoutQuery(url);
    const rest = withoutQuery(url.slice(start + at + 1));
    const user = authority.slice(0, at).split(':')[0]!;
    const keepUser = SSH_SCHEMES.has(scheme[1]!.toLowerCase()) && user !== '';
    return `${scheme[0]}${keepUser ? `${user}@` : ''}${rest}`;
  }
  // scp-like: [user[:password]@]host:path, where the part before the first ':' holds no '/'.
  const scp = /^([^/@]*)@([^/:]+:.*)$/.exec(url);
  if (scp) {
    const user = scp[1]!.split(':')[0]!;
    return user === '' ? scp[2]! : `${user}@${scp[2]!}`;
  }
  return url;
}
