/**
 * Conditions for the find language (src/store/find-language.ts): grammar-aware ones assembled from
 * the seeded table's column names (plain, double-quoted, misspelt), every operator and near
 * misses, numbers of every spelling, quoted text with doubled quotes, SQL injection attempts and
 * LIKE wildcards; and raw junk. Conditions whose answer is known (a number compared with a
 * numeric column, a range, an ASCII substring) carry an oracle: the rows that must come back.
 */
import fc from 'fast-check';

/** The seeded table `t`: what each row holds (row i has dsi_row_index i + 1). */
export interface SeedRow {
  readonly id: number;
  readonly x: number | null;
  readonly big: bigint | number;
  readonly name: string | null;
  readonly 'weird col': string;
  readonly mixed: string;
}

export const SEED_ROWS: readonly SeedRow[] = Array.from({ length: 24 }, (_, i) => ({
  id: i - 5,
  x: i % 5 === 0 ? null : (i - 12) * 0.75,
  big: i === 0 ? 9223372036854775807n : i === 1 ? -9223372036854775808n : i === 2 ? 9007199254740993n : i * 1000,
  name: i % 7 === 6 ? null : ['alpha', 'Beta', "it's", '100%', 'a_b', 'x"y', 'back\\slash', 'ümlaut', "'); DROP TABLE t; --", '', ' padded ', 'MiXeD'][i % 12]!,
  'weird col': `w${i}`,
  mixed: ['14', 'abc', '2.5', '', '007', '1e3'][i % 6]!,
}));

/** A condition and, when its answer is known, the 1-based row indexes of `t` it must find. */
export interface FindCase {
  readonly condition: string;
  readonly expected?: readonly number[];
}

const NUMERIC_COLUMNS = ['id', 'x'] as const;
const COLUMN_SPELLINGS = ['id', 'x', 'big', 'name', 'mixed', '"weird col"', 'weird col', '"x"', '"a""b"', "'id'", 'NAME', 'Id', 'ghost', '"', '""', '[id]', '`id`', 'rowid', 'dsi_row_index', 'dsi_table_name', 'label', '"name" ', 'na me'];
const OPERATORS = ['>', '<', '>=', '<=', '=', '==', '!=', '~', '~~'];
const NEAR_OPERATORS = ['=>', '=<', '<>', '!', '!==', '===', '~~~', '><', '= =', 'LIKE', 'IN', 'IS', '', ' '];
const NUMBERS = ['0', '-0', '1', '-5', '2.5', '.5', '5.', '1e3', '1E-3', '-1e999', '1e999', '9007199254740993', '9223372036854775807', '9223372036854775808', '-9223372036854775809', '0x10', '1_000', 'NaN', 'Infinity', '+3', '--3', '1.2.3', '00012', '١٢'];
const INJECTIONS = ["'); DROP TABLE t; --", "1; DROP TABLE t", "' OR '1'='1", '" OR 1=1 --', "1) OR (1=1", "x' UNION SELECT sql FROM sqlite_master --", '%', '_', '\\', "'%'", "'_'", "'\\'", '$1', '?', ':name', '@p', '/*', '*/', '--'];

/** A value as the language spells it: a number, quoted text (doubled quotes), a bare word, an injection. */
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: -30, max: 30 }), fc.double({ noNaN: false })).map(String) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("'", '"'), fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...INJECTIONS, "it's", 'alpha', '14', ' 14 ', '100%', 'a_b'))).map(([q, t]) => `${q}${t.replaceAll(q, q + q)}${q}`) },
  { weight: 2, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 1, arbitrary: fc.constantFrom('alpha', 'fast', 'null', 'NULL', 'true', "'unterminated", '"unterminated', "''", '""', "'''", "'a''", 'é', '😀') },
);

const space = fc.constantFrom('', ' ', '  ', '\t', '\n', '\u00a0', '\u2003', '\r\n');

/** `column op value` and `column (low, high)` put together from the pieces, in any spacing. */
const structuredArb: fc.Arbitrary<FindCase> = fc.oneof(
  fc.tuple(fc.constantFrom(...COLUMN_SPELLINGS), space, fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...OPERATORS) }, fc.constantFrom(...NEAR_OPERATORS)), space, valueArb, fc.oneof({ weight: 5, arbitrary: fc.constant('') }, fc.constantFrom(' and id = 2', ')', ' ;', ' --', ' x'))).map(([c, s1, op, s2, v, tail]) => ({ condition: `${c}${s1}${op}${s2}${v}${tail}` })),
  fc.tuple(fc.constantFrom(...COLUMN_SPELLINGS), space, valueArb, space, valueArb, fc.constantFrom(')', '', ', 3)', ') x', '))')).map(([c, s, lo, s2, hi, close]) => ({ condition: `${c}${s}(${lo},${s2}${hi}${close}` })),
);

/** The values of column `c` of the seeded rows. */
const columnOf = (c: (typeof NUMERIC_COLUMNS)[number]): (number | null)[] => SEED_ROWS.map((r) => r[c]);

function matching(values: readonly (number | null)[], keep: (v: number) => boolean): number[] {
  return values.flatMap((v, i) => (v !== null && keep(v) ? [i + 1] : []));
}

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** Conditions whose rows are known: numbers against id and x, ranges, ASCII substrings of name. */
const oracleArb: fc.Arbitrary<FindCase> = fc.oneof(
  fc.tuple(fc.constantFrom(...NUMERIC_COLUMNS), fc.constantFrom(...Object.keys(COMPARE)), fc.oneof(fc.integer({ min: -20, max: 25 }), fc.constantFrom(-0.75, 2.25, 1e300, -1e300)), fc.boolean()).map(([c, op, v, quote]) => ({
    condition: `${c} ${op} ${quote ? `'${v}'` : String(v)}`,
    expected: matching(columnOf(c), (a) => COMPARE[op]!(a, v)),
  })),
  fc.tuple(fc.constantFrom(...NUMERIC_COLUMNS), fc.integer({ min: -20, max: 25 }), fc.integer({ min: 0, max: 20 })).map(([c, lo, span]) => ({
    condition: `${c} (${lo}, ${lo + span})`,
    expected: matching(columnOf(c), (a) => a >= lo && a <= lo + span),
  })),
  fc.tuple(fc.constantFrom('~', '~~'), fc.oneof(fc.constantFrom('a', 'A', '%', '_', "'", '"', '\\', 'beta', ' ', 'x"y', "it's", ''), fc.stringMatching(/^[a-zA-Z%_ ]{0,3}$/))).map(([op, needle]) => {
    const lower = needle.toLowerCase();
    return {
      condition: `name ${op} '${needle.replaceAll("'", "''")}'`,
      expected: SEED_ROWS.flatMap((r, i) => (r.name !== null && r.name.toLowerCase().includes(lower) ? [i + 1] : [])),
    };
  }),
);

/** Every kind of condition: known answers, grammar-built, pieces joined at random, and junk. */
export const findCaseArb: fc.Arbitrary<FindCase> = fc.oneof(
  { weight: 3, arbitrary: oracleArb },
  { weight: 5, arbitrary: structuredArb },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...COLUMN_SPELLINGS, ...OPERATORS, ...NEAR_OPERATORS, '(', ')', ',', "'", '"', "''"), valueArb), { maxLength: 7 }).chain((parts) => fc.array(space, { minLength: parts.length, maxLength: parts.length }).map((gaps) => ({ condition: parts.map((p, i) => `${p}${gaps[i]}`).join('') }))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((condition) => ({ condition })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((condition) => ({ condition })) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => ({ condition: `name = '${'x'.repeat(n)}'` })) },
);
