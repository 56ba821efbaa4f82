/**
 * DSI's one-condition find language: `column op value` with `> < >= <= = == != ~ ~~`, or a range
 * `column (low, high)` (inclusive). `~` and `~~` are both a case-insensitive substring match.
 * A value in quotes ('…' or "…") is text; an unquoted value that reads as a number is a number.
 *
 * @example parseFindCondition("burned_area (150000, 190000)")
 *   // → { column: 'burned_area', kind: 'range', low: 150000, high: 190000 }
 */
import { StoreError } from '../errors.js';

export type FindOperator = '>' | '<' | '>=' | '<=' | '=' | '==' | '!=' | '~' | '~~';
export type FindValue = number | string;

export type FindCondition =
  | { readonly column: string; readonly kind: 'compare'; readonly op: FindOperator; readonly value: FindValue; readonly text: string }
  | { readonly column: string; readonly kind: 'range'; readonly low: FindValue; readonly high: FindValue };

/** Longest first, so `>=` is not read as `>` followed by `=`. */
const OPERATORS: readonly FindOperator[] = ['>=', '<=', '==', '!=', '~~', '>', '<', '=', '~'];
const OPERATOR_CHARS = new Set(['>', '<', '=', '!', '~']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const USAGE = 'expected "column operator value" (operators > < >= <= = == != ~ ~~) or "column (low, high)"';

function syntax(condition: string, what: string): StoreError {
  return new StoreError('E_FIND_SYNTAX', `find "${condition}": ${what}`);
}

/** A value: quoted text stays text; unquoted text that reads as a number is a number. */
function parseValue(condition: string, raw: string): { value: FindValue; text: string } {
  const s = raw.trim();
  const quote = s[0];
  if (quote === "'" || quote === '"') {
    if (s.length < 2 || s[s.length - 1] !== quote) throw syntax(condition, `unterminated quote in value ${s}`);
    const text = s.slice(1, -1);
    return { value: text, text };
  }
  if (s.endsWith("'") || s.endsWith('"')) throw syntax(condition, `unbalanced quote in value ${s}`);
  return { value: NUMBER.test(s) ? Number(s) : s, text: s };
}

/** Parse a condition; every malformed form gets an `E_FIND_SYNTAX` error saying what is wrong. */
export function parseFindCondition(condition: string): FindCondition {
  const text = condition.trim();
  if (text === '') throw syntax(condition, `the condition is empty; ${USAGE}`);
  let column: string;
  let rest: string;
  if (text[0] === '"') {
    const end = text.indexOf('"', 1);
    if (end < 0) throw syntax(condition, 'unterminated quote in the column name');
    column = text.slice(1, end);
    rest = text.slice(end + 1).trim();
  } else {
    const m = /^[^\s<>=!~(]+/.exec(text);
    if (!m) throw syntax(condition, `missing column name before "${text.slice(0, 2).trim()}"; ${USAGE}`);
    column = m[0];
    rest = text.slice(m[0].length).trim();
  }
  if (column === '') throw syntax(condition, 'the column name is empty');
  if (rest === '') throw syntax(condition, `no operator after column "${column}"; ${USAGE}`);

  if (rest[0] === '(') {
    if (!rest.endsWith(')')) throw syntax(condition, 'a range must end with ")": column (low, high)');
    const inner = rest.slice(1, -1);
    const parts = inner.split(',');
    if (parts.length !== 2 || parts.some((p) => p.trim() === '')) {
      throw syntax(condition, `a range needs exactly two values, low and high: column (low, high); got (${inner})`);
    }
    const low = parseValue(condition, parts[0]!).value;
    const high = parseValue(condition, parts[1]!).value;
    if (typeof low !== typeof high) throw syntax(condition, 'both range bounds must be numbers, or both text');
    if (low > high) throw syntax(condition, `the low bound ${low} is greater than the high bound ${high}`);
    return { column, kind: 'range', low, high };
  }

  let opText = '';
  while (opText.length < rest.length && OPERATOR_CHARS.has(rest[opText.length]!)) opText += rest[opText.length];
  if (opText === '') throw syntax(condition, `no operator after column "${column}"; ${USAGE}`);
  const op = OPERATORS.find((o) => o === opText);
  if (!op) throw syntax(condition, `unknown operator "${opText}"; use one of ${OPERATORS.join(' ')}`);
  const valueText = rest.slice(opText.length);
  if (valueText.trim() === '') throw syntax(condition, `missing value after "${op}"`);
  const { value, text: raw } = parseValue(condition, valueText);
  return { column, kind: 'compare', op, value, text: raw };
}
