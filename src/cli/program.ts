/**
 * The `dsi` command tree and what a failure of it prints. `buildProgram` registers every verb;
 * parse errors of any command (subcommands included) are thrown as {@link UsageError}s instead of
 * ending the process, and {@link failure} turns any error into the exit status and the one
 * stderr line the contract promises:
 *
 * - help and `--version` print on stdout and exit 0;
 * - a wrong argument (what the parser refuses: an unknown command or option, a missing argument,
 *   a bad value or choice; and the library's E_BAD_ARGUMENT / E_ML_ARGUMENT) exits 2;
 * - anything else exits 1;
 * - a library error names its options by the flags of the command that ran (src/cli/option-flags.ts);
 * - the line is `dsi: <message>`, a file the system refuses named with the problem in words,
 *   never a Node stack trace or commander's `error:` text.
 *
 * @example
 * const program = buildProgram();
 * try { await program.parseAsync(process.argv); } catch (e) { const f = failure(e); … }
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { defaultPlugins } from '../index.js';
import { MlError, StoreError } from '../errors.js';
import { fileSystemError, isFileSystemError } from '../store/file-errors.js';
import { registerBench } from './commands/bench.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDemo } from './commands/demo.js';
import { registerDisplay } from './commands/display.js';
import { registerDoctor } from './commands/doctor.js';
import { registerIndex } from './commands/file-index.js';
import { registerFind } from './commands/find.js';
import { registerList } from './commands/list.js';
import { registerMl } from './commands/ml.js';
import { registerMove } from './commands/move.js';
import { registerNotebook } from './commands/notebook.js';
import { registerProcess } from './commands/process.js';
import { registerQuery } from './commands/query.js';
import { registerRead } from './commands/read.js';
import { registerSchema } from './commands/schema.js';
import { registerSearch } from './commands/search.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import { registerShare } from './commands/share.js';
import { registerSummary } from './commands/summary.js';
import { registerUnits } from './commands/units.js';
import { registerUpdate } from './commands/update.js';
import { registerWrite } from './commands/write.js';
import { collectOption } from './key-value-options.js';
import { checkLibraryNames, inFlags } from './option-flags.js';
import { commandPath, usageMessage } from './usage-errors.js';

/** Exit status of a wrong argument (README, docs/cli.md). */
export const EXIT_USAGE = 2;

/** The version in package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** A parse error of `command`, thrown out of commander so the command's name can be printed. */
export class UsageError extends Error {
  constructor(
    readonly commanderError: CommanderError,
    readonly command: Command,
  ) {
    super(commanderError.message);
    this.name = 'UsageError';
  }
}

/**
 * An error thrown by `command`'s action, kept with the command so that {@link failure} can name
 * the library's options by the command's flags (src/cli/option-flags.ts).
 */
export class CommandError extends Error {
  constructor(
    readonly error: unknown,
    readonly command: Command,
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
    this.name = 'CommandError';
  }
}

/** The program's root: remembers the command whose action runs, and throws its errors as {@link CommandError}s. */
class DsiProgram extends Command {
  #running: Command | undefined;

  constructor(name: string) {
    super(name);
    this.hook('preAction', (_root, action) => {
      this.#running = action;
    });
  }

  override async parseAsync(...args: Parameters<Command['parseAsync']>): Promise<this> {
    this.#running = undefined;
    try {
      return await super.parseAsync(...args);
    } catch (e) {
      if (e instanceof UsageError || this.#running === undefined) throw e;
      throw new CommandError(e, this.#running);
    }
  }
}

const quietErrors = { writeErr: (s: string) => process.stderr.write(s), outputError: () => {} };

/** Every command, subcommands included, throws its parse errors as UsageErrors instead of exiting. */
function overrideExits(command: Command): void {
  command.exitOverride((e) => {
    throw new UsageError(e, command);
  });
  command.configureOutput(quietErrors);
  for (const c of command.commands) overrideExits(c);
}

/** The `dsi` program with every verb registered. */
export function buildProgram(): Command {
  const program = new DsiProgram('dsi')
    .description('Data Science Infrastructure: ingest scientific metadata into a queryable store, find and search it')
    .version(packageVersion(), '-V, --version', 'print the version of dsi')
    .addOption(new Option('--db <path>', 'the store: a file (NAME.db SQLite, NAME.duckdb DuckDB), or a URL postgres://user@host:port/database?schema=NAME').env('DSI_DB').default('dsi.db'))
    .option('--backend <name>', `backend: ${Object.keys(defaultPlugins.backends).join(', ')} (default: the one --db implies; sqlite for a file)`)
    .option('--data-folder <dir>', "where the store keeps its files (default for NAME.db: NAME.data beside it; a server store has none unless given)")
    .option('--plugin <module>', 'a JavaScript or TypeScript module exporting readers, writers and/or backends to add, repeatable', collectOption)
    .showHelpAfterError(false)
    // Parse errors are printed by the caller, in the contract's form (see failure()).
    .configureOutput(quietErrors);
  for (const register of [registerRead, registerQuery, registerFind, registerSearch, registerList, registerSummary, registerDisplay, registerSchema, registerUnits, registerWrite, registerUpdate, registerProcess, registerIndex, registerMove, registerDatasets, registerDemo, registerDoctor, registerBench, registerMl, registerServe, registerShare, registerReport, registerNotebook]) {
    register(program);
  }
  overrideExits(program);
  checkLibraryNames(program);
  return program;
}

/** What a failure prints on stderr (nothing when help or the version was printed) and its exit status. */
export interface Failure {
  readonly status: number;
  readonly line: string | undefined;
}

/** The exit status and the one stderr line for `error`, thrown by a command or by parsing. */
export function failure(error: unknown): Failure {
  const line = (message: string) => `dsi: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
  if (error instanceof CommandError) {
    const { error: e, command } = error;
    if (e instanceof StoreError || e instanceof MlError) return { ...failure(e), line: line(inFlags(e, command)) };
    return failure(e);
  }
  if (error instanceof UsageError) {
    const { code, exitCode } = error.commanderError;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || (code === 'commander.help' && exitCode === 0)) return { status: 0, line: undefined };
    if (code === 'commander.help') {
      // A command that needs a subcommand was given none: commander printed its help on stderr.
      const where = commandPath(error.command);
      return { status: EXIT_USAGE, line: line(`${where === '' ? 'give a command' : `${where}: give one of its commands`} (listed above)`) };
    }
    return { status: EXIT_USAGE, line: line(usageMessage(error.commanderError, error.command)) };
  }
  if (error instanceof CommanderError) return { status: error.exitCode === 0 ? 0 : EXIT_USAGE, line: error.exitCode === 0 ? undefined : line(error.message.replace(/^error: /, '')) };
  if (error instanceof StoreError || error instanceof MlError) {
    return { status: error.code === 'E_BAD_ARGUMENT' || error.code === 'E_ML_ARGUMENT' ? EXIT_USAGE : 1, line: line(error.message) };
  }
  if (isFileSystemError(error)) {
    const e = fileSystemError(error);
    return { status: e instanceof StoreError && e.code === 'E_BAD_ARGUMENT' ? EXIT_USAGE : 1, line: line(e.message) };
  }
  return { status: 1, line: line(error instanceof Error ? error.message : String(error)) };
}
