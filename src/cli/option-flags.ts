/**
 * The command line's spelling of a library error: the library names an option as its caller
 * wrote it (`lr must be a positive number, got -1`), and the command that ran prints the flag
 * that sets it (`--lr must be a positive number, got -1`), rendering the same message with its
 * flags for the option names (`MlError#messageWith`, src/errors.ts).
 *
 * Guarantees:
 * - The table of one command is derived from its commander definitions (and its parents', for the
 *   global `--db` and `--backend`): a flag `--checkpoint-every` sets the library option
 *   `checkpointEvery`, as commander names the value. Where the library's name differs
 *   (`conditionColumns` is `--cond-cols`), {@link LIBRARY_NAMES} says so; {@link checkLibraryNames}
 *   refuses, when the program is built, a declaration whose command or flag does not exist, so
 *   the table cannot drift from the flags.
 * - Only what the thrower marked as an option is respelled, and only when the command has a flag
 *   for it; everything else in the message is as the library wrote it.
 *
 * @example
 * inFlags(new MlError('E_ML_ARGUMENT', (o) => `${o('lr')} must be a positive number, got -1`), trainCommand)
 * // "--lr must be a positive number, got -1"
 */
import type { Command } from 'commander';
import type { MlError, StoreError } from '../errors.js';
import { commandPath } from './usage-errors.js';

/**
 * The library option names commands spell differently from their flags' own value names, by
 * command path. Every other flag `--a-b` sets the library option `aB`.
 */
export const LIBRARY_NAMES: Readonly<Record<string, Readonly<Record<string, `--${string}`>>>> = {
  display: { limit: '--rows' },
  'ml train': { imageColumn: '--image-col', labelColumn: '--label-col', conditionColumns: '--cond-cols' },
  'ml predict': { allowExtrapolation: '--extrapolate' },
};

/** Refuses (at start-up) a declared library name whose command or flag `program` does not have. */
export function checkLibraryNames(program: Command): void {
  const commands = new Map<string, Command>();
  const walk = (c: Command): void => {
    commands.set(commandPath(c), c);
    c.commands.forEach(walk);
  };
  walk(program);
  for (const [path, names] of Object.entries(LIBRARY_NAMES)) {
    const flags = new Set(commands.get(path)?.options.map((o) => o.long));
    for (const [name, flag] of Object.entries(names)) {
      if (!flags.has(flag)) throw new Error(`dsi ${path}: the library option ${name} is declared as ${flag}, which the command does not have`);
    }
  }
}

/** Library option name → flag, for `command` and the commands above it (the nearest wins). */
export function flagTable(command: Command): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  for (let c: Command | null = command; c; c = c.parent) {
    for (const o of c.options) {
      if (o.long !== undefined && !table.has(o.attributeName())) table.set(o.attributeName(), o.long);
    }
    for (const [name, flag] of Object.entries(LIBRARY_NAMES[commandPath(c)] ?? {})) if (!table.has(name)) table.set(name, flag);
  }
  return table;
}

/** The message of `error` with the options it names spelled as `command`'s flags (library names where it has none). */
export function inFlags(error: MlError | StoreError, command: Command): string {
  const table = flagTable(command);
  return error.messageWith((option) => table.get(option) ?? option);
}
