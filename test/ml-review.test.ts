/**
 * Closing the loop on a small MNIST run: predictions scored by the evaluation, accepted by a rule
 * or by experts' verdicts (typed in the terminal or imported from a CSV), a child run trained from
 * the parent's checkpoint on the parent's data plus the accepted images, and the lineage that
 * records all of it. Bad input is refused with nothing stored.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlError } from '../src/errors.js';
import { renderTerminalImage, terminalImageMode } from '../src/images/terminal-image.js';
import type { Store } from '../src/store/store.js';
import { acceptPredictions, evaluateRun, importReviews, predictGan, recordReviews, RunRegistry, runLineage, trainGan } from '../src/ml/index.js';
import { parseAnswer } from '../src/cli/commands/ml/review.js';
import * as torch from '../src/torch/index.js';
import { mnistClassifierStore } from './helpers/classifier-fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin', 'dsi.js');

let store: Store;
let db: string;
let dir: string;
let parent: string;
let predictions: string[];

const count = async (sql: string, params: (string | number)[] = []): Promise<number> => Number((await store.query(sql, params))[0]!['n']);
const snapshot = async (): Promise<Record<string, number>> => {
  const tables = new Set((await store.tables()).map((t) => t.toLowerCase()));
  const out: Record<string, number> = {};
  for (const t of ['ml_runs', 'ml_predictions', 'ml_reviews', 'ml_epochs']) out[t] = tables.has(t) ? await count(`SELECT count(*) AS n FROM ${t}`) : 0;
  out['accepted'] = await count('SELECT count(*) AS n FROM ml_predictions WHERE accepted IS NOT NULL');
  return out;
};

function dsi(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--db', db, ...args], { encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A generator's trained weights (not BatchNorm's running statistics), flattened, from a checkpoint folder. */
function generatorWeights(checkpoint: string): Map<string, Float32Array> {
  const { tensors } = torch.loadSafetensors(path.join(dir, checkpoint, 'generator.safetensors'));
  const out = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (t.dtype === 'float32' && !name.includes('running_')) out.set(name, t.toArray<'float32'>());
    t.dispose();
  }
  return out;
}

before(async () => {
  ({ store, db, dir } = await mnistClassifierStore());
  parent = (await trainGan(store, { table: 'mnist', conditionColumns: ['label'], maxImages: 256, epochs: 1, batch: 64, seed: 4, threads: 2 })).run_id;
  const made = await predictGan(store, { run: parent, grid: { label: '0..9' }, count: 3, seed: 100 });
  predictions = made.predictions.map((p) => p.prediction_id);
  // The evaluation scores each stored prediction (the classifier's probability of its label).
  await evaluateRun(store, {
    run: parent,
    reference: "SELECT * FROM mnist WHERE split = 'test' ORDER BY id LIMIT 200",
    predictions: `SELECT * FROM ml_predictions WHERE run_id = '${parent}'`,
    count: 100,
    kidSubsets: 5,
    kidSubsetSize: 50,
    seed: 1,
  });
});

describe('ml accept by rule', () => {
  it('accepts the predictions a find condition over ml_predictions selects and records the rule', async () => {
    const scores = (await store.query('SELECT prediction_id, score FROM ml_predictions WHERE run_id = ? ORDER BY score DESC', [parent])).map((r) => ({ id: String(r['prediction_id']), score: Number(r['score']) }));
    assert.equal(scores.length, 30);
    assert.ok(scores.every((s) => Number.isFinite(s.score)), 'the evaluation scored every prediction');
    const threshold = scores[9]!.score; // the ten best (ties may add more)
    const expected = scores.filter((s) => s.score >= threshold).map((s) => s.id).sort();
    const r = await acceptPredictions(store, { run: parent, rule: `score >= ${threshold}` });
    assert.equal(r.matched, expected.length);
    assert.equal(r.accepted, expected.length);
    assert.equal(r.accepted_total, expected.length);
    const rows = await store.query('SELECT prediction_id, accepted_by FROM ml_predictions WHERE accepted = 1 ORDER BY prediction_id');
    assert.deepEqual(rows.map((x) => x['prediction_id']), expected);
    assert.ok(rows.every((x) => x['accepted_by'] === `rule: score >= ${threshold}`));
    const again = await acceptPredictions(store, { run: parent, rule: `score >= ${threshold}` });
    assert.equal(again.accepted, 0, 'accepting twice changes nothing');
    assert.equal(again.accepted_total, expected.length);
  });

  it('accepts the best N per condition value with --best and --per, ranked by the rule\'s column', async () => {
    const clear = (): Promise<void> =>
      store.managedTables().transaction(async (tx) => {
        await tx.update('ml_predictions', { accepted: null, accepted_by: null }, { run_id: parent });
      });
    const before = await store.query('SELECT prediction_id, accepted_by FROM ml_predictions WHERE run_id = ? AND accepted = 1', [parent]);
    await clear();
    const r = await acceptPredictions(store, { run: parent, rule: 'score >= 0', best: 1, per: 'label' });
    assert.equal(r.accepted, 10);
    assert.equal(r.by, 'rule: score >= 0, best 1 per label');
    const rows = await store.query('SELECT label, prediction_id, score FROM ml_predictions WHERE run_id = ? ORDER BY label, score DESC, prediction_id', [parent]);
    const best = new Map<unknown, string>();
    for (const x of rows) if (!best.has(x['label'])) best.set(x['label'], String(x['prediction_id']));
    const accepted = (await store.query('SELECT prediction_id FROM ml_predictions WHERE run_id = ? AND accepted = 1 ORDER BY prediction_id', [parent])).map((x) => String(x['prediction_id']));
    assert.deepEqual(accepted, [...best.values()].sort(), 'the highest score of each label');
    await clear();
    const low = await acceptPredictions(store, { run: parent, rule: 'nn_distance < 1e9', best: 3 });
    const nearest = (await store.query('SELECT prediction_id FROM ml_predictions WHERE run_id = ? ORDER BY nn_distance, prediction_id LIMIT 3', [parent])).map((x) => String(x['prediction_id']));
    assert.equal(low.accepted, 3);
    assert.deepEqual((await store.query('SELECT prediction_id FROM ml_predictions WHERE run_id = ? AND accepted = 1 ORDER BY nn_distance, prediction_id', [parent])).map((x) => String(x['prediction_id'])), nearest, '< ranks lowest first');
    await assert.rejects(acceptPredictions(store, { run: parent, rule: 'label = 3', best: 1 }), (e: unknown) => e instanceof MlError && /needs > >= < or <=/.test(e.message));
    await assert.rejects(acceptPredictions(store, { run: parent, rule: 'score > 0', best: 1, per: 'colour' }), (e: unknown) => e instanceof MlError && /^per colour/.test(e.message));
    await assert.rejects(acceptPredictions(store, { run: parent, rule: 'score > 0', per: 'label' }), (e: unknown) => e instanceof MlError && /needs best/.test(e.message));
    await clear();
    await store.managedTables().transaction(async (tx) => {
      for (const x of before) await tx.update('ml_predictions', { accepted: 1, accepted_by: x['accepted_by'] ?? null }, { prediction_id: x['prediction_id'] ?? null });
    });
  });

  it('refuses a rule that does not parse, names a missing column, or matches nothing, storing nothing', async () => {
    const before = await snapshot();
    await assert.rejects(acceptPredictions(store, { run: parent, rule: 'score >>> 1' }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT' && /operator/.test(e.message));
    await assert.rejects(acceptPredictions(store, { run: parent, rule: 'sharpness > 1' }), (e: unknown) => e instanceof MlError && /no column "sharpness"/.test(e.message) && /score/.test(e.message));
    await assert.rejects(acceptPredictions(store, { run: parent, rule: 'score > 2' }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_DATA' && /no prediction .* matches/.test(e.message) && /from /.test(e.message));
    await assert.rejects(acceptPredictions(store, { run: parent }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT');
    await assert.rejects(acceptPredictions(store, { run: 'gan-nope', rule: 'score > 0' }), (e: unknown) => e instanceof MlError);
    assert.deepEqual(await snapshot(), before);
  });
});

describe('ml review', () => {
  it('parses terminal answers', () => {
    assert.deepEqual(parseAnswer('a'), { action: 'review', verdict: 'accept', rating: null, comment: null });
    assert.deepEqual(parseAnswer('r 2 blurry stroke'), { action: 'review', verdict: 'reject', rating: 2, comment: 'blurry stroke' });
    assert.deepEqual(parseAnswer(' 4 '), { action: 'review', verdict: null, rating: 4, comment: null });
    assert.deepEqual(parseAnswer('c looks like a 7'), { action: 'review', verdict: null, rating: null, comment: 'looks like a 7' });
    assert.deepEqual(parseAnswer('s'), { action: 'skip' });
    assert.deepEqual(parseAnswer('q'), { action: 'quit' });
    assert.equal(parseAnswer('maybe'), undefined);
    assert.equal(parseAnswer('7'), undefined, 'ratings run from 1 to 5');
  });

  it('imports a CSV of verdicts all or nothing, naming the file and line of a bad one', async () => {
    const csv = path.join(dir, 'reviews.csv');
    fs.writeFileSync(csv, `prediction_id,verdict,rating,comment,reviewer\n${predictions[0]},accept,5,crisp,alice\n${predictions[1]},maybe,,,alice\n`);
    const before = await snapshot();
    await assert.rejects(importReviews(store, csv), (e: unknown) => e instanceof MlError && /reviews\.csv line 3: verdict must be accept or reject, got "maybe"/.test(e.message));
    fs.writeFileSync(csv, `prediction_id,verdict\n${predictions[0]},accept\n\np-missing,reject\n`);
    await assert.rejects(importReviews(store, csv), (e: unknown) => e instanceof MlError && /reviews\.csv line 4: no prediction p-missing/.test(e.message));
    fs.writeFileSync(csv, `prediction_id,verdict,rating\n${predictions[0]},accept,9\n`);
    await assert.rejects(importReviews(store, csv), (e: unknown) => e instanceof MlError && /line 2: rating must be a number from 1 to 5/.test(e.message));
    fs.writeFileSync(csv, `id,verdict\nx,accept\n`);
    await assert.rejects(importReviews(store, csv), (e: unknown) => e instanceof MlError && /line 1: the header has no prediction_id column/.test(e.message));
    fs.writeFileSync(csv, `prediction_id,verdict,comment\n${predictions[0]},accept,"two\nlines"\n${predictions[1]},nope,\n`);
    await assert.rejects(importReviews(store, csv), (e: unknown) => e instanceof MlError && /line 4: verdict/.test(e.message), 'a quoted comment spanning lines is counted');
    assert.deepEqual(await snapshot(), before, 'nothing stored');

    // Predictions 0–2: alice accepts 0 and 1 and rejects 2; bob rejects 1, then changes his mind.
    fs.writeFileSync(
      csv,
      [
        'prediction_id,verdict,rating,comment,reviewer',
        `${predictions[0]},accept,5,crisp,alice`,
        `${predictions[1]},yes,4,,alice`,
        `${predictions[2]},reject,1,not a digit,alice`,
        `${predictions[1]},reject,,,bob`,
        `${predictions[1]},accept,,second look,bob`,
        `${predictions[3]},,3,,bob`,
      ].join('\n'),
    );
    const stored = await importReviews(store, csv);
    assert.equal(stored.length, 6);
    const rows = await store.query('SELECT * FROM ml_reviews ORDER BY created_at, batch_index');
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.map((r) => [r['reviewer'], r['verdict'], r['rating']]), [
      ['alice', 'accept', 5],
      ['alice', 'accept', 4],
      ['alice', 'reject', 1],
      ['bob', 'reject', null],
      ['bob', 'accept', null],
      ['bob', null, 3],
    ]);
    assert.ok(rows.every((r) => r['run_id'] === parent && r['source'] === 'import reviews.csv'));
  });

  it('records verdicts typed in the terminal, one by one, with the reviewer', () => {
    const r = dsi(['ml', 'review', '--run', parent, '--reviewer', 'carol', '--images', 'blocks', '--limit', '5'], 'a 5 clean\nhuh\nr\n4\ns\nq\n');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /reviewing 5 predictions/);
    assert.match(r.stdout, /▀/, 'images drawn as half blocks');
    assert.match(r.stdout, /not understood: "huh"/);
    assert.match(r.stdout, /recorded 1 accept, 1 reject, 2 rated, 1 skipped/);
    assert.match(r.stdout, new RegExp(`predictions/.*\\.png`), 'the path is shown');
    const again = dsi(['ml', 'review', '--run', parent, '--reviewer', 'carol', '--images', 'none', '--limit', '1'], 'q\n');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /\[1\/1\] \S+000003/, 'the judged ones are not shown again; the skipped one is');
  });

  it('checks carol\'s verdicts landed', async () => {
    const rows = await store.query("SELECT prediction_id, verdict, rating, comment, source FROM ml_reviews WHERE reviewer = 'carol' ORDER BY created_at");
    assert.deepEqual(
      rows.map((r) => [r['verdict'], r['rating'], r['comment'], r['source']]),
      [
        ['accept', 5, 'clean', 'terminal'],
        ['reject', null, null, 'terminal'],
        [null, 4, null, 'terminal'],
      ],
    );
  });

  it('accepts what experts accepted and marks what any rejected; a rule never overrides a rejection', async () => {
    const r = await acceptPredictions(store, { run: parent, reviewed: true });
    const state = async (id: string): Promise<[unknown, unknown]> => {
      const row = (await store.query('SELECT accepted, accepted_by FROM ml_predictions WHERE prediction_id = ?', [id]))[0]!;
      return [row['accepted'], row['accepted_by']];
    };
    // carol accepted 0, rejected 1 (after alice and bob accepted it); alice rejected 2.
    assert.deepEqual((await state(predictions[1]!))[0], 0);
    assert.match(String((await state(predictions[1]!))[1]), /review: rejected by carol/);
    assert.deepEqual(await state(predictions[2]!), [0, 'review: rejected by alice']);
    const [accepted0, by0] = await state(predictions[0]!);
    assert.equal(accepted0, 1);
    assert.ok(by0 === 'review: alice, carol' || /^rule: /.test(String(by0)), `kept or set: ${String(by0)}`);
    assert.ok(r.rejected >= 2);
    const rule = await acceptPredictions(store, { run: parent, rule: 'score >= 0' });
    assert.ok(rule.kept_rejected >= 2, 'rejected predictions stay rejected under a rule');
    assert.equal(await count("SELECT count(*) AS n FROM ml_predictions WHERE accepted = 0 AND prediction_id IN (?, ?)", [predictions[1]!, predictions[2]!]), 2);
    // Back to the ten best for the retraining test.
    await store.managedTables().transaction(async (tx) => {
      await tx.update('ml_predictions', { accepted: null, accepted_by: null }, { run_id: parent });
    });
    const scores = (await store.query('SELECT score FROM ml_predictions WHERE run_id = ? ORDER BY score DESC', [parent])).map((x) => Number(x['score']));
    await acceptPredictions(store, { run: parent, rule: `score >= ${scores[9]}` });
  });

  it('refuses empty batches and reviews that say nothing', async () => {
    await assert.rejects(recordReviews(store, [], { source: 'test' }), (e: unknown) => e instanceof MlError);
    await assert.rejects(recordReviews(store, [{ prediction_id: predictions[0]! }], { source: 'test' }), (e: unknown) => e instanceof MlError && /no verdict, rating or comment/.test(e.message));
  });
});

describe('retraining on accepted predictions', () => {
  let child: string;
  let accepted: string[];

  it('starts a child from the parent checkpoint on the parent data plus the accepted images', async () => {
    accepted = (await store.query('SELECT prediction_id FROM ml_predictions WHERE run_id = ? AND accepted = 1 ORDER BY prediction_id', [parent])).map((r) => String(r['prediction_id']));
    assert.ok(accepted.length >= 10);
    const registry = new RunRegistry(store);
    const p = await registry.get(parent);
    // A learning rate of 1e-12 moves no weight by more than ~1e-11 per step: the child's
    // generator must then equal the parent's, which it does only if it started from it.
    const result = await trainGan(store, { from: parent, includeAccepted: true, epochs: 1, lr: 1e-12, threads: 2 });
    child = result.run_id;
    assert.equal(result.status, 'finished');
    const c = await registry.get(child);
    assert.equal(c.parent_run_id, parent);
    assert.deepEqual(c.included_predictions, accepted);
    assert.equal(c.data_rows, p.data_rows + accepted.length);
    assert.equal(c.data_query, p.data_query);
    assert.notEqual(c.data_hash, p.data_hash);
    assert.equal((c.params as { lr: number }).lr, 1e-12);
    const before = generatorWeights(p.FILE_checkpoint!);
    const after = generatorWeights(c.FILE_checkpoint!);
    assert.ok(before.size > 0);
    for (const [name, w] of before) {
      const v = after.get(name)!;
      let max = 0;
      for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]! - v[i]!));
      assert.ok(max < 1e-6, `${name} moved by ${max}`);
    }
  });

  it('resumes a stopped child on the same data', async () => {
    const controller = new AbortController();
    let steps = 0;
    const stopped = await trainGan(store, {
      from: parent,
      includeAccepted: true,
      epochs: 2,
      batch: 64,
      threads: 2,
      signal: controller.signal,
      onProgress: () => {
        if (++steps === 2) controller.abort();
      },
    });
    assert.equal(stopped.status, 'stopped');
    const resumed = await trainGan(store, { resume: stopped.run_id, threads: 2 });
    assert.equal(resumed.status, 'finished');
    assert.equal(resumed.epochs_done, 2);
    const r = await new RunRegistry(store).get(stopped.run_id);
    assert.deepEqual(r.included_predictions, accepted);
  });

  it('a grandchild keeps what its parent included and adds its parent\'s accepted predictions', async () => {
    const made = await predictGan(store, { run: child, params: { label: '3' }, count: 2, seed: 7 });
    await store.managedTables().transaction(async (tx) => {
      for (const p of made.predictions) await tx.update('ml_predictions', { accepted: 1, accepted_by: 'test' }, { prediction_id: p.prediction_id });
    });
    const grandchild = (await trainGan(store, { from: child, includeAccepted: true, epochs: 1, threads: 2 })).run_id;
    const g = await new RunRegistry(store).get(grandchild);
    assert.deepEqual(g.included_predictions, [...accepted, ...made.predictions.map((p) => p.prediction_id)]);

    const lineage = await runLineage(store, grandchild);
    assert.deepEqual(lineage.ancestry.map((r) => r.run_id), [parent, child, grandchild]);
    const [root, mid, leaf] = lineage.ancestry;
    assert.equal(root!.predictions.total, 30);
    assert.equal(root!.predictions.accepted, accepted.length);
    assert.ok(root!.evaluations.some((e) => e.metric === 'fid' && Number.isFinite(e.value)));
    assert.ok(root!.reviews.total >= 9 && root!.reviews.reviewers.includes('alice') && root!.reviews.reviewers.includes('carol'));
    assert.deepEqual(mid!.data.included_from, { [parent]: accepted.length });
    assert.deepEqual(leaf!.data.included_from, { [parent]: accepted.length, [child]: 2 });
    assert.ok(root!.children.includes(child));
    const down = await runLineage(store, parent);
    assert.ok(down.descendants.some((r) => r.run_id === grandchild));

    const cli = dsi(['ml', 'lineage', grandchild]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^${parent}`));
    assert.match(cli.stdout, /including \d+ accepted predictions/);
    assert.match(cli.stdout, /evaluations: .*fid/);
    assert.match(cli.stdout, /reviews: \d+ by alice, bob, carol/);
    const json = JSON.parse(dsi(['ml', 'lineage', grandchild, '--json']).stdout) as { ancestry: unknown[] };
    assert.equal(json.ancestry.length, 3);
  });

  it('refuses a child without accepted predictions, mixed options, or a non-GAN parent, storing nothing', async () => {
    const lonely = (await trainGan(store, { table: 'mnist', conditionColumns: ['label'], maxImages: 64, epochs: 1, batch: 32, seed: 9, threads: 2 })).run_id;
    const before = await snapshot();
    await assert.rejects(trainGan(store, { from: lonely, includeAccepted: true }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_DATA' && /no accepted predictions/.test(e.message) && /accept some first/.test(e.message));
    await assert.rejects(trainGan(store, { includeAccepted: true, table: 'mnist' }), (e: unknown) => e instanceof MlError && /needs from/.test(e.message));
    await assert.rejects(trainGan(store, { from: parent, table: 'mnist' }), (e: unknown) => e instanceof MlError && /cannot be given/.test(e.message));
    await assert.rejects(trainGan(store, { from: parent, resume: lonely }), (e: unknown) => e instanceof MlError && e.code === 'E_ML_ARGUMENT');
    const classifier = (await new RunRegistry(store).list()).find((r) => r.kind === 'classifier')!.run_id;
    await assert.rejects(trainGan(store, { from: classifier }), (e: unknown) => e instanceof MlError && /continues GAN runs/.test(e.message));
    assert.deepEqual(await snapshot(), before);
    const cli = dsi(['ml', 'train', '--from', lonely, '--include-accepted', '--epochs', '1']);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /no accepted predictions/);
  });

  it('runs accept through the CLI with JSON', () => {
    const r = dsi(['ml', 'accept', '--run', parent, '--rule', 'label = 3', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { matched: number; by: string };
    assert.equal(out.matched, 3);
    assert.equal(out.by, 'rule: label = 3');
    const csv = path.join(dir, 'dana.csv');
    fs.writeFileSync(csv, `prediction_id,verdict,reviewer\n${predictions[5]},reject,dana\n`);
    assert.equal(dsi(['ml', 'review', '--import', csv]).status, 0);
    assert.equal(dsi(['ml', 'accept', '--run', parent, '--reviewed']).status, 0);
    const cleared = dsi(['ml', 'accept', '--run', parent, '--clear', '--json']);
    assert.equal(cleared.status, 0, cleared.stderr);
    assert.ok((JSON.parse(cleared.stdout) as { withdrawn: number }).withdrawn >= 3);
    const left = spawnSync(process.execPath, [CLI, '--db', db, 'query', '--json', `SELECT accepted, accepted_by FROM ml_predictions WHERE run_id = '${parent}' AND accepted IS NOT NULL`], { encoding: 'utf8' });
    const rows = (JSON.parse(left.stdout) as { rows: { accepted: number; accepted_by: string }[] }).rows;
    assert.ok(rows.every((x) => !x.accepted_by.startsWith('rule: ')), 'no rule acceptance is left');
    assert.ok(rows.some((x) => x.accepted === 0 && x.accepted_by === 'review: rejected by dana'), 'expert decisions stay');
    const bad = dsi(['ml', 'accept', '--run', parent, '--rule', 'label ==']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--rule/);
  });
});

describe('terminal images', () => {
  /** A PNG large enough to need several kitty chunks. */
  const png = (): Buffer => fs.readFileSync(path.join(ROOT, 'docs', 'images', fs.readdirSync(path.join(ROOT, 'docs', 'images')).find((f) => f.endsWith('.png'))!));

  it('picks the mode the terminal supports', () => {
    assert.equal(terminalImageMode({}, false), 'none');
    assert.equal(terminalImageMode({ TERM_PROGRAM: 'iTerm.app' }, true), 'iterm');
    assert.equal(terminalImageMode({ TERM: 'xterm-kitty' }, true), 'kitty');
    assert.equal(terminalImageMode({ TERM: 'xterm-256color' }, true), 'blocks');
    assert.equal(terminalImageMode({ TERM: 'dumb' }, true), 'none');
  });

  it('draws half blocks two pixel rows per line, and wraps PNGs in the inline protocols', async () => {
    const digit = Buffer.from(
      (await import('../src/images/png-codec.js')).encodePng({ width: 28, height: 28, channels: 1, data: new Uint8Array(784).map((_, i) => (i % 28) * 9) }),
    );
    const blocks = await renderTerminalImage(digit, 'digit.png', 'blocks');
    const lines = blocks.trimEnd().split('\n');
    assert.equal(lines.length, 14);
    assert.equal((lines[0]!.match(/▀/g) ?? []).length, 28);
    assert.match(lines[0]!, /\x1b\[38;2;0;0;0m/);
    const iterm = await renderTerminalImage(digit, 'digit.png', 'iterm');
    assert.match(iterm, /^\x1b\]1337;File=inline=1;size=\d+;preserveAspectRatio=1:[A-Za-z0-9+/=]+\x07\n$/);
    const kitty = await renderTerminalImage(png(), 'grid.png', 'kitty');
    assert.match(kitty, /^\x1b_Gf=100,a=T,m=1;/);
    assert.match(kitty, /m=0;[A-Za-z0-9+/=]+\x1b\\\n$/);
    assert.equal(await renderTerminalImage(digit, 'digit.png', 'none'), '');
  });
});
