/**
 * The check every writer makes first: an option it does not take is an error naming it, never
 * silently ignored.
 */
import { StoreError } from '../errors.js';
import type { Writer } from '../store/writer.js';

/**
 * Refuse an option `writer` does not take, naming it and listing those it does; every writer
 * calls this first, so a misspelt option is an error rather than silently ignored.
 *
 * @example checkWriterOptions(csvWriter, { x: 'y' }) // E_BAD_ARGUMENT: the csv writer has no option "x"; it takes none
 */
export function checkWriterOptions(writer: Pick<Writer, 'name' | 'options'>, options: Readonly<Record<string, unknown>> | undefined): void {
  for (const key of Object.keys(options ?? {})) {
    if (!Object.hasOwn(writer.options, key)) {
      const takes = Object.entries(writer.options).map(([name, values]) => `${name}=${values}`);
      throw new StoreError('E_BAD_ARGUMENT', `the ${writer.name} writer has no option "${key.slice(0, 40)}"; it takes ${takes.length === 0 ? 'none' : takes.join(', ')}`);
    }
  }
}
