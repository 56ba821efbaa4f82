/**
 * Fuzzing the find language (`store.find`, `store.findPage`) on every embedded backend with the
 * conditions of test/fuzz/find-terms.ts. For every condition: rows come back (each naming its
 * table and 1-based row index), or a StoreError with a code of the find language's (a syntax
 * error, a missing column, a bad page) — never a backend's SQL error or an exception of another
 * class; the store is unchanged, so no injected statement ran; and where the answer is known
 * (numbers against numeric columns, ranges, substrings) exactly those rows are found.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { StoreError } from '../src/index.js';
import type { StoreErrorCode } from '../src/index.js';
import type { Store } from '../src/store/store.js';
import { boundedCase, describeError } from './fuzz/bounded-case.js';
import { findCaseArb, SEED_ROWS, type FindCase } from './fuzz/find-terms.js';
import { CASE_MS, fuzzBudget } from './fuzz/fuzz-settings.js';
import { storeDigest } from './fuzz/store-digest.js';
import { BACKENDS, openTempStore, removeTempDirs } from './helpers/store-helpers.js';

/** The find language's share of the harness's time budget, split between the backends. */
const FIND_SHARE = 0.2;
const FIND_BACKENDS = BACKENDS.filter((b) => b === 'sqlite' || b === 'duckdb');

/** What a refused condition may say: its syntax, a column or table that is not there, a bad page. */
const FIND_CODES: readonly StoreErrorCode[] = ['E_FIND_SYNTAX', 'E_COLUMN_MISSING', 'E_TABLE_MISSING', 'E_BAD_ARGUMENT'];

const pageArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ offset: fc.integer({ min: 0, max: 30 }), limit: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ offset: fc.constantFrom(-1, 0.5, Number.NaN, 2 ** 60), limit: fc.constantFrom(0, 10_001, 1.5, Number.POSITIVE_INFINITY) }) },
);

after(removeTempDirs);

for (const backend of FIND_BACKENDS) {
  describe(`fuzzing the find language on ${backend}`, () => {
    let store: Store;
    let digest: string;

    before(async () => {
      ({ store } = await openTempStore(backend));
      await store.insertRows('t', SEED_ROWS.map((r) => ({ ...r })), { newTable: true });
      await store.insertRows('u', [{ id: 1, label: 'one' }, { id: 2, label: "it's" }], { newTable: true });
      digest = (await storeDigest(store)).hash;
    });

    after(async () => {
      await store?.close();
    });

    /** The outcome of one call, checked against the rules above; the rows' indexes in `t` when it found some. */
    async function checked(what: string, call: () => Promise<readonly { dsi_table_name: string; dsi_row_index: number }[]>): Promise<number[] | undefined> {
      const outcome = await boundedCase(call, CASE_MS);
      assert.notEqual(outcome.kind, 'hang', `${what} did not end within ${CASE_MS} ms`);
      if (outcome.kind === 'error') {
        const e = outcome.error;
        assert.ok(e instanceof StoreError, `${what}: a refusal must be a StoreError, got ${describeError(e)}`);
        assert.ok(FIND_CODES.includes(e.code), `${what}: refused with ${e.code} (${e.message.slice(0, 200)}), not a find error`);
        return undefined;
      }
      if (outcome.kind !== 'value') return undefined;
      for (const row of outcome.value) {
        assert.ok(['t', 'u'].includes(row.dsi_table_name), `${what}: a row of table ${row.dsi_table_name}`);
        assert.ok(Number.isSafeInteger(row.dsi_row_index) && row.dsi_row_index >= 1, `${what}: row index ${row.dsi_row_index}`);
      }
      return outcome.value.filter((r) => r.dsi_table_name === 't').map((r) => r.dsi_row_index);
    }

    it('returns rows or a find error for any condition, runs nothing injected, and finds exactly the known rows', async () => {
      const budget = fuzzBudget<[FindCase, { offset: number; limit: number }]>(400, FIND_SHARE / FIND_BACKENDS.length);
      await fc.assert(
        fc.asyncProperty(findCaseArb, pageArb, budget.guard(async (c: FindCase, page) => {
          const where = `find ${JSON.stringify(c.condition.slice(0, 300))} on ${backend}`;
          const found = await checked(where, () => store.find(c.condition));
          const paged = await checked(`${where} (page ${JSON.stringify(page)})`, async () => (await store.findPage(c.condition, { table: 't', ...page })).rows);
          assert.equal((await storeDigest(store)).hash, digest, `${where} changed the store`);
          if (c.expected !== undefined) {
            assert.deepEqual(found, [...c.expected], `${where}: the rows of t found`);
            const valid = Number.isSafeInteger(page.offset) && page.offset >= 0 && Number.isSafeInteger(page.limit) && page.limit >= 1 && page.limit <= 10_000;
            if (valid) assert.deepEqual(paged, c.expected.slice(page.offset, page.offset + page.limit), `${where}: the page ${JSON.stringify(page)}`);
          }
        })),
        budget.parameters,
      );
    });

    it('never runs SQL written into a condition: the table survives every injection, the answer is a syntax error or rows', async () => {
      const injections = ["name = ''); DROP TABLE t; --", "name = 'x'); DROP TABLE t; --'", "name ~ '%'; DELETE FROM t; --'", 'id = 1; DROP TABLE t', "name = '' OR 1=1 --'", '"name"" = 1; DROP TABLE t; --" = 1', 'id (1, 2); DROP TABLE t'];
      for (const condition of injections) {
        try {
          const rows = await store.find(condition);
          assert.ok(rows.every((r) => r.dsi_table_name === 't' || r.dsi_table_name === 'u'), condition);
        } catch (e) {
          assert.ok(e instanceof StoreError && FIND_CODES.includes(e.code), `${condition}: ${describeError(e)}`);
        }
      }
      assert.equal(await store.rowCount('t'), SEED_ROWS.length);
      assert.equal((await storeDigest(store)).hash, digest);
      // A quoted value holding the injection is text, compared as text: it finds the row that holds it.
      const found = await store.find("name = '''); DROP TABLE t; --'");
      assert.deepEqual(found.map((r) => r.dsi_row_index), SEED_ROWS.flatMap((r, i) => (r.name === "'); DROP TABLE t; --" ? [i + 1] : [])));
    });
  });
}
