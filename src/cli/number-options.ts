/**
 * Commander parsers for numeric options, the only ones the commands use: a value is accepted only
 * when it is spelled as the number it stands for (decimal digits, src/number-spelling.ts: no hex,
 * no sign other than a minus, no spaces around it, no empty string, no `1e20` for a whole number)
 * and lies in the option's range. A bad value is refused before anything runs; the command line prints the option's name with what it must be and what it got.
 */
import { InvalidArgumentError } from 'commander';
import { SEED_MAX } from '../ml/call-limits.js';
import { parseDecimalSpelling, parseWholeSpelling } from '../number-spelling.js';

export { SEED_MAX } from '../ml/call-limits.js';

/** The whole number `value` spells (number-spelling.ts: digits only, nothing around them), or undefined. */
const parseWhole = parseWholeSpelling;
/** The finite number `value` spells in decimal (number-spelling.ts), or undefined. */
const parseDecimal = parseDecimalSpelling;

/** A whole number ≥ `min` (and ≤ `max` when given): `--limit`, `--epochs`, `--batch`… */
export function wholeNumber(min: number, max?: number) {
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  return (value: string): number => {
    const n = parseWhole(value);
    if (n === undefined || n < min || (max !== undefined && n > max)) {
      throw new InvalidArgumentError(`must be a whole number ${range}, got "${value}"`);
    }
    return n;
  };
}

/** A random seed: a whole number in 0 … {@link SEED_MAX}. */
export function seedNumber(value: string): number {
  const n = parseWhole(value);
  if (n === undefined || n < 0 || n > SEED_MAX) throw new InvalidArgumentError(`must be a whole number from 0 to ${SEED_MAX}, got "${value}"`);
  return n;
}

/** A finite number > 0: `--lr`. */
export function positiveNumber(value: string): number {
  const n = parseDecimal(value);
  if (n === undefined || n <= 0) throw new InvalidArgumentError(`must be a positive number, got "${value}"`);
  return n;
}

/** A finite number ≥ 0: `--alpha`. */
export function nonNegativeNumber(value: string): number {
  const n = parseDecimal(value);
  if (n === undefined || n < 0) throw new InvalidArgumentError(`must be a number ≥ 0, got "${value}"`);
  return n;
}

/** `0,0.999` → `[0, 0.999]`: two numbers from 0 up to (not including) 1: `--betas`. */
export function numberPair(value: string): [number, number] {
  const parts = value.split(',').map((p) => parseDecimal(p.trim()));
  if (parts.length !== 2 || parts.some((n) => n === undefined || n < 0 || n >= 1)) throw new InvalidArgumentError(`must be two numbers from 0 to below 1, as 0,0.999, got "${value}"`);
  return [parts[0]!, parts[1]!];
}

/** A share strictly between 0 and 1: `--test-size`. */
export function share(value: string): number {
  const n = parseDecimal(value);
  if (n === undefined || n <= 0 || n >= 1) throw new InvalidArgumentError(`must be a share between 0 and 1 (exclusive), got "${value}"`);
  return n;
}

/** `64,64` → `[64, 64]`: comma-separated whole numbers ≥ `min` (`--hidden`); spaces around a comma separate too. */
export function wholeNumberList(min: number) {
  return (value: string): number[] => {
    const parts = value.split(',').map((part) => parseWhole(part.trim()));
    if (parts.some((n) => n === undefined || n < min)) {
      throw new InvalidArgumentError(`must be comma-separated whole numbers ≥ ${min}, e.g. 64,64, got "${value}"`);
    }
    return parts as number[];
  };
}

/**
 * A repeatable or variadic whole-number option (`--row 1 3 --row 7`): each value is checked as
 * {@link wholeNumber} checks it and added to the list.
 */
export function wholeNumbers(min: number) {
  const one = wholeNumber(min);
  return (value: string, previous: number[] | undefined): number[] => [...(previous ?? []), one(value)];
}

/** `a,b , c` → `['a', 'b', 'c']`. */
export function nameList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((s) => s === '')) throw new InvalidArgumentError(`must be comma-separated names, got "${value}"`);
  return names;
}
