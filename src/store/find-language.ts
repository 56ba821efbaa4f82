/**
 * DSI's one-condition find language: `column op value` with `> < >= <= = == != ~ ~~`, or a range
 * `column (low, high)` (inclusive). `~` and `~~` are both a case-insensitive substring match.
 *
 * The column may be written in its SQL-quoted spelling, as Python DSI takes it: `"math" < 9` is
 * the column math; a single-quoted column (`'a' > 1`) is an error, as in Python DSI: single
 * quotes hold values.
 *
 * Values: text in quotes ('…' or "…"; a doubled quote inside is one quote: 'it''s') is text,
 * except against a numeric column, where a quoted value that reads as a number compares as that
 * number (`a > '14'` finds no row where a = 2), as SQLite's column affinity makes Python DSI's
 * quoted values compare ({@link numericFindValue}). An unquoted value that reads as a number is
 * a number, kept exact: an integer beyond 2^53 (or a literal such as `9007199254740993.0` or
 * `9.007199254740993e15` whose value is one) is a bigint, so it never rounds onto its neighbour. Fractional values are doubles. Any other unquoted word
 * is text for `= == != ~ ~~` only: an ordering (`> < >= <=`, ranges) needs a number or quoted
 * text, so `wind_speed > fast` is an error rather than a silent comparison of text. An unquoted
 * value is one word: no space, quote, parenthesis, comma or operator character (`name = x and
 * id = 2`, `name = x=1`, `id = 1 2` are errors, not a search for the text `x and id = 2`). A
 * number too large for a double (`1e999`, `-1e999`) is ±Infinity in every operator, as SQLite
 * stores it and as JSON output writes it.
 *
 * Every malformed condition is a `StoreError` with code `E_FIND_SYNTAX` whose message quotes the
 * condition and says at which character (1-based) the problem is.
 *
 * @example parseFindCondition("burned_area (150000, 190000)")
 *   // → { column: 'burned_area', kind: 'range', low: 150000, high: 190000 }
 * parseFindCondition('id = 9007199254740993') // value: 9007199254740993n
 */
import { StoreError } from '../errors.js';

export type FindOperator = '>' | '<' | '>=' | '<=' | '=' | '==' | '!=' | '~' | '~~';
export type FindValue = number | bigint | string;

export type FindCondition =
  | { readonly column: string; readonly kind: 'compare'; readonly op: FindOperator; readonly value: FindValue; readonly text: string }
  | { readonly column: string; readonly kind: 'range'; readonly low: FindValue; readonly high: FindValue };

/** Longest first, so `>=` is not read as `>` followed by `=`. */
const OPERATORS: readonly FindOperator[] = ['>=', '<=', '==', '!=', '~~', '>', '<', '=', '~'];
const ORDERING: ReadonlySet<FindOperator> = new Set(['>', '<', '>=', '<=']);
const OPERATOR_CHARS = new Set(['>', '<', '=', '!', '~']);
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const USAGE = 'expected "column operator value" (operators > < >= <= = == != ~ ~~) or "column (low, high)"';
/** Longest stretch of the condition quoted back in a message. */
const ECHO = 40;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function echo(text: string): string {
  return text.length > ECHO ? `${text.slice(0, ECHO)}…` : text;
}

function syntax(condition: string, what: string, at?: number): StoreError {
  const where = at === undefined ? '' : `at character ${at + 1}: `;
  return new StoreError('E_FIND_SYNTAX', `find "${echo(condition)}": ${where}${what}`);
}

/**
 * The exact value of a number literal: a double when that is exact or the literal is fractional,
 * a bigint for an integral value beyond 2^53, ±Infinity for one beyond the doubles (`1e999`).
 * Undefined when `s` is not a number.
 */
export function exactNumber(s: string): number | bigint | undefined {
  const m = NUMBER.exec(s);
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction, exponent] = m;
  if (whole === '' && (fraction === undefined || fraction === '')) return undefined;
  const value = Number(s);
  // A literal too large for a double is ±Infinity, as SQLite reads it (and as JSON output writes ±1e999).
  if (!Number.isFinite(value)) return value;
  if (Number.isSafeInteger(value) || !Number.isInteger(value)) return value;
  // Integral and beyond 2^53: shift the decimal point by the exponent, exactly, in digits.
  const digits = `${whole}${fraction ?? ''}`;
  const point = whole.length + Number(exponent ?? 0);
  if (point <= 0) return value;
  const intPart = point >= digits.length ? digits.padEnd(point, '0') : digits.slice(0, point);
  if (!/^0*$/.test(point >= digits.length ? '' : digits.slice(point))) return value; // fractional after all
  const exact = BigInt(intPart) * (sign === '-' ? -1n : 1n);
  // Beyond SQLite's 64-bit integers a value can only be a float, as the column's would be.
  if (exact < INT64_MIN || exact > INT64_MAX) return value;
  return exact >= -MAX_SAFE && exact <= MAX_SAFE ? Number(exact) : exact;
}

/**
 * A find value as it compares with a numeric column: a number stays a number, quoted text that
 * reads as a number (`'14'`, `' 14 '`) is that number, other text stays text.
 *
 * @example numericFindValue('14') // 14
 */
export function numericFindValue(value: FindValue): FindValue {
  return typeof value === 'string' ? (exactNumber(value.trim()) ?? value) : value;
}

/** A scanned value: its text, and whether it was quoted. */
interface Term {
  readonly text: string;
  readonly quoted: boolean;
  /** Offset in the condition at which the term starts. */
  readonly at: number;
}

/**
 * Scan one value starting at `start` (leading spaces skipped) up to one of `stops` or the end.
 * Returns the term and the offset just after it (trailing spaces skipped).
 */
function scanTerm(condition: string, start: number, stops: string): { term: Term; end: number } {
  let i = start;
  while (i < condition.length && /\s/.test(condition[i]!)) i++;
  const at = i;
  const quote = condition[i];
  if (quote === "'" || quote === '"') {
    let text = '';
    i++;
    for (;;) {
      if (i >= condition.length) throw syntax(condition, `unterminated quote: the value opened with ${quote} here is never closed`, at);
      const c = condition[i]!;
      if (c === quote) {
        if (condition[i + 1] === quote) {
          text += quote; // a doubled quote is one quote character
          i += 2;
          continue;
        }
        i++;
        break;
      }
      text += c;
      i++;
    }
    while (i < condition.length && /\s/.test(condition[i]!)) i++;
    if (i < condition.length && !stops.includes(condition[i]!)) {
      throw syntax(condition, `unexpected "${echo(condition.slice(i))}" after the quoted value ${echo(condition.slice(at, i).trim())}`, i);
    }
    return { term: { text, quoted: true, at }, end: i };
  }
  let j = i;
  while (j < condition.length && !stops.includes(condition[j]!)) j++;
  const text = condition.slice(i, j).trimEnd();
  if (text !== '') {
    if (OPERATOR_CHARS.has(text[0]!)) {
      throw syntax(condition, `"${echo(text)}" is not a value: it starts with the operator character ${text[0]}; put text in quotes`, at);
    }
    const bad = /['"(),]/.exec(text);
    if (bad) {
      const what = bad[0] === "'" || bad[0] === '"' ? 'a quote' : `"${bad[0]}"`;
      throw syntax(condition, `unquoted value "${echo(text)}" holds ${what}; put text in quotes (a quote inside quotes is doubled: 'it''s')`, at + bad.index);
    }
    // One word: a space or an operator character inside means the condition goes on (a second
    // condition, a second value), which the language does not have; text holding them is quoted.
    const space = /\s/.exec(text);
    if (space) {
      throw syntax(
        condition,
        `unquoted value "${echo(text)}" holds a space: an unquoted value is one word, and a condition has one value; put text in quotes ('${echo(text)}')`,
        at + space.index,
      );
    }
    const op = /[<>=!~]/.exec(text);
    if (op) {
      throw syntax(
        condition,
        `unquoted value "${echo(text)}" holds the operator character ${op[0]}: a condition has one operator; put text in quotes ('${echo(text)}')`,
        at + op.index,
      );
    }
  }
  return { term: { text, quoted: false, at }, end: j };
}

/** A term's value: quoted text stays text; unquoted text that reads as a number is a number. */
function valueOf(term: Term): FindValue {
  if (term.quoted) return term.text;
  return exactNumber(term.text) ?? term.text;
}

/** The value of a term in an ordering (`>`, ranges): a number or quoted text. */
function orderedValue(condition: string, term: Term, what: string): FindValue {
  const value = valueOf(term);
  if (typeof value === 'string' && !term.quoted) {
    throw syntax(
      condition,
      `${what} needs a number or quoted text, and "${echo(term.text)}" is neither; write '${echo(term.text)}' to compare text`,
      term.at,
    );
  }
  return value;
}

function isNumeric(value: FindValue): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

/** Parse a condition; every malformed form gets an `E_FIND_SYNTAX` error saying what is wrong and where. */
export function parseFindCondition(condition: string): FindCondition {
  if (typeof condition !== 'string') throw syntax(String(condition), `the condition must be text; ${USAGE}`);
  let i = 0;
  while (i < condition.length && /\s/.test(condition[i]!)) i++;
  if (i === condition.length) throw syntax(condition, `the condition is empty; ${USAGE}`);
  let column: string;
  if (condition[i] === "'") {
    throw syntax(condition, `a column name cannot be in single quotes, which hold values; write it plain or in double quotes ("name")`, i);
  }
  if (condition[i] === '"') {
    const start = i;
    column = '';
    i++;
    for (;;) {
      if (i >= condition.length) throw syntax(condition, 'unterminated quote in the column name', start);
      if (condition[i] === '"') {
        if (condition[i + 1] === '"') {
          column += '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      column += condition[i];
      i++;
    }
    if (column === '') throw syntax(condition, 'the column name is empty', start);
  } else {
    const m = /^[^\s<>=!~(]+/.exec(condition.slice(i));
    if (!m) throw syntax(condition, `missing column name before "${echo(condition.slice(i, i + 2).trim())}"; ${USAGE}`, i);
    column = m[0];
    i += m[0].length;
  }
  while (i < condition.length && /\s/.test(condition[i]!)) i++;
  if (i === condition.length) throw syntax(condition, `no operator after column "${echo(column)}"; ${USAGE}`, i);

  if (condition[i] === '(') {
    const open = i;
    const first = scanTerm(condition, i + 1, ',)');
    if (condition[first.end] !== ',') {
      throw syntax(condition, `a range needs exactly two values, low and high: column (low, high)`, first.end < condition.length ? first.end : open);
    }
    const second = scanTerm(condition, first.end + 1, ',)');
    if (condition[second.end] === ',') throw syntax(condition, 'a range needs exactly two values, low and high: column (low, high); found a third', second.end);
    if (condition[second.end] !== ')') throw syntax(condition, 'a range must end with ")": column (low, high)', condition.length);
    const after = condition.slice(second.end + 1);
    if (after.trim() !== '') throw syntax(condition, `unexpected "${echo(after.trim())}" after the range`, second.end + 1 + after.search(/\S/));
    for (const t of [first.term, second.term]) if (!t.quoted && t.text === '') throw syntax(condition, 'a range bound is empty: column (low, high)', t.at);
    const low = orderedValue(condition, first.term, 'a range bound');
    const high = orderedValue(condition, second.term, 'a range bound');
    if (isNumeric(low) !== isNumeric(high) && isNumeric(numericFindValue(low)) !== isNumeric(numericFindValue(high))) {
      throw syntax(condition, 'both range bounds must be numbers, or both text', open);
    }
    // Quoted numbers order as numbers (they compare so against a numeric column).
    const [lowOrder, highOrder] = [numericFindValue(low), numericFindValue(high)];
    const comparable = isNumeric(lowOrder) === isNumeric(highOrder) ? [lowOrder, highOrder] : [low, high];
    if (comparable[0]! > comparable[1]!) throw syntax(condition, `the low bound ${String(low)} is greater than the high bound ${String(high)}; the lower value must come first`, first.term.at);
    return { column, kind: 'range', low, high };
  }

  const opStart = i;
  let opText = '';
  while (i < condition.length && OPERATOR_CHARS.has(condition[i]!)) opText += condition[i++];
  if (opText === '') throw syntax(condition, `no operator after column "${echo(column)}"; ${USAGE}`, opStart);
  const op = OPERATORS.find((o) => o === opText);
  if (!op) throw syntax(condition, `unknown operator "${opText}"; use one of ${OPERATORS.join(' ')}`, opStart);
  const { term } = scanTerm(condition, i, '');
  if (!term.quoted && term.text === '') throw syntax(condition, `missing value after "${op}"`, condition.length);
  const value = ORDERING.has(op) ? orderedValue(condition, term, `the ordering "${op}"`) : valueOf(term);
  return { column, kind: 'compare', op, value, text: term.text };
}
