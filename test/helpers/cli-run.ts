/**
 * Running the `dsi` command line from tests: as a child process (what a user sees, exit status
 * included), or in this process up to an expected failure (faster; what the CLI would print).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Failure, buildProgram, failure } from '../../src/cli/program.js';

/** bin/dsi.js of this checkout. */
export const DSI_BIN = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'), 'bin/dsi.js');

/** What a finished `dsi` process printed and its exit status. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `dsi ARGS` as a child process; `asUser` prefixes a command such as `setpriv --reuid=…`. */
export function runDsi(args: readonly string[], options: { asUser?: readonly string[] } = {}): CliRun {
  const command = [...(options.asUser ?? []), process.execPath, DSI_BIN, ...args];
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Run `dsi ARGS` in this process up to its failure, which is expected: a parse error, or an error
 * of a command's action (such runs print nothing on stdout). Returns what the CLI would print.
 */
export async function failureOf(args: readonly string[]): Promise<Failure> {
  try {
    await buildProgram().parseAsync(['node', 'dsi', ...args]);
  } catch (e) {
    return failure(e);
  }
  assert.fail(`dsi ${args.join(' ')} succeeded`);
}
