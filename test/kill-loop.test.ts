/**
 * A seeded sample of the `kill -9` loop (test/helpers/kill-loop.ts): each long operation is killed
 * at a few points spread over its run (3 for indexing and moving, 1 for the operations that start
 * libtorch, whose every point costs a process start and a finished run), and each time the store passes SQLite's integrity check, holds
 * the old or the new state (a killed training run: one that resumes to exactly the uninterrupted
 * run's losses and last checkpoint), and finishing the work gives the new state with no temporary
 * left. The full loop, 30 points each, is `npm run kill-loop` (docs/testing.md).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_KILL_SEED, KILL_OPERATIONS, runKillLoop } from './helpers/kill-loop.js';
import { removeTempDirs, tempDir } from './helpers/store-helpers.js';

after(removeTempDirs);

const POINTS: Readonly<Record<string, number>> = { train: 1, predict: 1, evaluate: 1, index: 3, move: 3 };

describe(`kill -9 at seeded points (seed ${DEFAULT_KILL_SEED})`, () => {
  for (const operation of Object.keys(KILL_OPERATIONS)) {
    const points = POINTS[operation] ?? 3;
    it(`${operation}: after each of ${points} kills the store holds the old or the new state, and finishing the work gives the new state`, async () => {
      const [summary] = await runKillLoop({ operations: [operation], points, seed: DEFAULT_KILL_SEED, root: tempDir('dsi-kill-loop-') });
      const failed = summary!.points.filter((p) => p.failure !== undefined);
      assert.deepEqual(failed.map((p) => `#${p.point} at ${p.delayMs} ms: ${p.failure}`), []);
      assert.equal(summary!.points.length, points);
      assert.ok(summary!.points.some((p) => p.outcome !== 'finished'), 'at least one point killed the operation before it ended');
    });
  }
});
