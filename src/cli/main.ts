/**
 * `dsi`: the command line over the store. One verb per store operation; `--json` prints one JSON
 * document on stdout for scripts; `--help` and `--version` print and exit 0.
 *
 * Every failure is one line on stderr, `dsi: <message>`, and a non-zero exit: 2 for a wrong
 * argument (what the parser refuses: an unknown command or option, a missing argument, a bad
 * value or choice; and the library's E_BAD_ARGUMENT / E_ML_ARGUMENT), 1 for anything else. A file
 * the system refuses is named with the problem in words; no Node stack trace is ever printed.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { backendNames } from '../backends/registry.js';
import { MlError, StoreError } from '../errors.js';
import { fileSystemError, isFileSystemError } from '../store/file-errors.js';
import { registerBench } from './commands/bench.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDemo } from './commands/demo.js';
import { registerDisplay } from './commands/display.js';
import { registerDoctor } from './commands/doctor.js';
import { registerFind } from './commands/find.js';
import { registerList } from './commands/list.js';
import { registerMl } from './commands/ml.js';
import { registerQuery } from './commands/query.js';
import { registerRead } from './commands/read.js';
import { registerSchema } from './commands/schema.js';
import { registerSearch } from './commands/search.js';
import { registerSummary } from './commands/summary.js';
import { registerUnits } from './commands/units.js';
import { registerUpdate } from './commands/update.js';
import { registerWrite } from './commands/write.js';
import { commandPath, usageMessage } from './usage-errors.js';

/** Exit status of a wrong argument (README, docs/cli.md). */
const EXIT_USAGE = 2;

/** Print `error` as the one line the contract promises and set the exit status. */
function fail(error: unknown): void {
  let message: string;
  let status = 1;
  if (error instanceof StoreError || error instanceof MlError) {
    message = error.message;
    if (error.code === 'E_BAD_ARGUMENT' || error.code === 'E_ML_ARGUMENT') status = EXIT_USAGE;
  } else if (isFileSystemError(error)) {
    const e = fileSystemError(error);
    message = e.message;
    if (e instanceof StoreError && e.code === 'E_BAD_ARGUMENT') status = EXIT_USAGE;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  process.stderr.write(`dsi: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
  process.exitCode = status;
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
  process.exit(process.exitCode ?? 1);
});

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('dsi')
  .description('Data Science Infrastructure: ingest scientific metadata into a queryable store, find and search it')
  .version(version, '-V, --version', 'print the version of dsi')
  .option('--db <path>', 'the store', 'dsi.db')
  .option('--backend <name>', `backend: ${backendNames().join(', ')}`, 'sqlite')
  .showHelpAfterError(false)
  // Parse errors are printed below, in the contract's form, once the failing command is known.
  .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} });

for (const register of [registerRead, registerQuery, registerFind, registerSearch, registerList, registerSummary, registerDisplay, registerSchema, registerUnits, registerWrite, registerUpdate, registerDatasets, registerDemo, registerDoctor, registerBench, registerMl]) {
  register(program);
}

/** A parse error of `command`, thrown out of commander so the command's name can be printed. */
class UsageError extends Error {
  constructor(
    readonly commanderError: CommanderError,
    readonly command: Command,
  ) {
    super(commanderError.message);
  }
}

/** Every command, subcommands included, throws its parse errors as UsageErrors instead of exiting. */
function overrideExits(command: Command): void {
  command.exitOverride((e) => {
    throw new UsageError(e, command);
  });
  command.configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} });
  for (const c of command.commands) overrideExits(c);
}
overrideExits(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof UsageError) {
    const { code, exitCode } = e.commanderError;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || (code === 'commander.help' && exitCode === 0)) {
      process.exitCode = 0;
    } else if (code === 'commander.help') {
      // A command that needs a subcommand was given none: commander printed its help on stderr.
      const where = commandPath(e.command);
      process.stderr.write(`dsi: ${where === '' ? 'give a command' : `${where}: give one of its commands`} (listed above)\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`dsi: ${usageMessage(e.commanderError, e.command)}\n`);
      process.exitCode = EXIT_USAGE;
    }
  } else if (e instanceof CommanderError) {
    process.stderr.write(`dsi: ${e.message.replace(/^error: /, '')}\n`);
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    fail(e);
  }
}
