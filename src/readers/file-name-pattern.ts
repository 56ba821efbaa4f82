/**
 * Parameters from file names: `{name}` picks out a part, `*` skips one, anything else must match
 * as written. A pattern without `/` matches the file's base name; with one, its path relative to
 * the folder read. Each `{…}` matches one or more characters other than `/`, as few as the rest
 * allows.
 *
 * @example
 * const p = compileFileNamePattern('sim{sim}_t{time}.png');
 * p.match('images/sim3_t0.25.png'); // ['3', '0.25']
 */
import { StoreError } from '../errors.js';

export interface FileNamePattern {
  readonly pattern: string;
  /** The parameter names, in order. */
  readonly names: readonly string[];
  /** The parts of `relativePath` (`/`-separated) the parameters pick out, or undefined when it does not match. */
  match(relativePath: string): string[] | undefined;
}

export function compileFileNamePattern(pattern: string): FileNamePattern {
  if (typeof pattern !== 'string' || pattern === '') throw new StoreError('E_BAD_ARGUMENT', 'a file-name pattern must be a non-empty string');
  const names: string[] = [];
  let source = '';
  for (const token of pattern.split(/(\{[^{}]*\}|\*)/)) {
    if (token === '') continue;
    if (token === '*') source += '[^/]*?';
    else if (token.startsWith('{') && token.endsWith('}')) {
      const name = token.slice(1, -1).trim();
      if (!/^[A-Za-z_][A-Za-z0-9_ -]*$/.test(name)) {
        throw new StoreError('E_BAD_ARGUMENT', `file-name pattern "${pattern}": "${token}" is not a parameter name ({name}: letters, digits, _, starting with a letter)`);
      }
      if (names.includes(name)) throw new StoreError('E_BAD_ARGUMENT', `file-name pattern "${pattern}": the parameter "${name}" appears twice`);
      names.push(name);
      source += '([^/]+?)';
    } else {
      if (/[{}]/.test(token)) throw new StoreError('E_BAD_ARGUMENT', `file-name pattern "${pattern}": unbalanced brace in "${token}"`);
      source += token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  if (names.length === 0) throw new StoreError('E_BAD_ARGUMENT', `file-name pattern "${pattern}" names no parameter; write one as {name}`);
  const regex = new RegExp(`^${source}$`);
  const onPath = pattern.includes('/');
  return {
    pattern,
    names,
    match(relativePath) {
      const subject = onPath ? relativePath : relativePath.slice(relativePath.lastIndexOf('/') + 1);
      const m = regex.exec(subject);
      return m ? m.slice(1) : undefined;
    },
  };
}
