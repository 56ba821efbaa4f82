/**
 * How a number given as text must be spelt to be taken as one, the one rule for every number a
 * user types (the command line's numeric options, the conditioning values of `ml predict`):
 * decimal digits only, with an optional leading minus, nothing around them. `0x1`, `0b1`, `1_000`,
 * `+3`, ` 3`, `Infinity` and the empty string are not numbers here, although JavaScript's
 * `Number()` reads them as numbers (or as 0).
 *
 * @example
 * parseWholeSpelling('42')  // 42
 * parseWholeSpelling(' 3')  // undefined
 * parseDecimalSpelling('1.5e3') // 1500
 * parseDecimalSpelling('0x1')   // undefined
 */

/** A whole number: digits, optionally after a minus. */
const WHOLE = /^-?\d+$/;
/** A decimal number: digits with an optional point and fraction (or a fraction alone), an optional exponent. */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The whole number `text` spells, or undefined when it spells none (or one beyond 2^53). */
export function parseWholeSpelling(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The finite number `text` spells in decimal, or undefined. */
export function parseDecimalSpelling(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
