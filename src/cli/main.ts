/**
 * `dsi`: the command line over the store. One verb per store operation; `--json` prints one JSON
 * document on stdout for scripts. Every failure is one line on stderr, `dsi: <message>`, with exit
 * status 2 for a wrong argument and 1 otherwise (src/cli/program.ts); no Node stack trace is ever
 * printed, also for an error no command caught.
 */
import { buildProgram, failure } from './program.js';

/** Print what `error` means and set the exit status. */
function fail(error: unknown): void {
  const f = failure(error);
  if (f.line !== undefined) process.stderr.write(`${f.line}\n`);
  process.exitCode = f.status;
}

// `dsi … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  fail(e);
  process.exit(1);
});
// Last resort: an error no command caught (an 'error' event nobody listened to) is still one line.
process.on('uncaughtException', (e) => {
  fail(e);
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 1);
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  fail(e);
}
