/**
 * `dsi ml review --run RUN`: judge generated images one by one in the terminal (drawn inline where
 * the terminal can, else as coloured half blocks, and always with their path); each verdict is
 * stored as it is given, so quitting loses nothing. `dsi ml review --import FILE.csv` records a
 * batch judged elsewhere.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { Option, type Command } from 'commander';
import { MlError } from '../../../errors.js';
import type { TerminalImageMode } from '../../../images/terminal-image.js';
import { withStore } from '../../context.js';
import { wholeNumber } from '../../number-options.js';
import { printJson } from '../../output.js';
import { loadMl } from './load-ml.js';

interface ReviewFlags {
  run?: string;
  import?: string;
  reviewer?: string;
  all?: boolean;
  limit?: number;
  images?: 'auto' | TerminalImageMode;
  json?: boolean;
}

const HELP = 'a = accept, r = reject, 1-5 = rating (a 5, r 2 combine them), c TEXT = comment only, anything after is a comment; s = skip, q = quit';

/** One answer: `a`, `r 2 blurry`, `4`, `c odd stroke`, `s`, `q`; undefined when it does not parse. */
export type Answer = { action: 'review'; verdict: 'accept' | 'reject' | null; rating: number | null; comment: string | null } | { action: 'skip' } | { action: 'quit' };

export function parseAnswer(line: string): Answer | undefined {
  const text = line.trim();
  const [first = '', ...rest] = text.split(/\s+/);
  const word = first.toLowerCase();
  if (word === 's' || word === 'skip' || word === '') return { action: 'skip' };
  if (word === 'q' || word === 'quit') return { action: 'quit' };
  if (word === 'c' || word === 'comment') return rest.length === 0 ? undefined : { action: 'review', verdict: null, rating: null, comment: rest.join(' ') };
  let verdict: 'accept' | 'reject' | null = null;
  let rating: number | null = null;
  if (word === 'a' || word === 'accept') verdict = 'accept';
  else if (word === 'r' || word === 'reject') verdict = 'reject';
  else if (/^[1-5]$/.test(word)) rating = Number(word);
  else return undefined;
  if (verdict !== null && rest.length > 0 && /^[1-5]$/.test(rest[0]!)) rating = Number(rest.shift());
  return { action: 'review', verdict, rating, comment: rest.length > 0 ? rest.join(' ') : null };
}

export function registerMlReview(ml: Command): void {
  ml.command('review')
    .description('judge a run\'s generated images in the terminal (accept, reject, rate), or record a CSV of verdicts with --import; stored in ml_reviews with the reviewer\'s name')
    .option('--run <run>', 'the run whose predictions to review')
    .option('--import <file.csv>', 'record the verdicts of a CSV file (prediction_id, verdict, rating, comment, reviewer) all or nothing')
    .option('--reviewer <name>', 'who is reviewing (default: the login name)')
    .option('--all', 'show predictions this reviewer has judged already too')
    .option('--limit <n>', 'show at most N predictions', wholeNumber(1))
    .addOption(new Option('--images <mode>', 'how to draw images: auto, iterm, kitty, blocks (coloured half blocks) or none (paths only)').choices(['auto', 'iterm', 'kitty', 'blocks', 'none']).default('auto'))
    .option('--json', 'with --import: print what was stored as JSON')
    .action(async (opts: ReviewFlags, cmd: Command) => {
      if ((opts.run === undefined) === (opts.import === undefined)) throw new MlError('E_ML_ARGUMENT', 'give --run RUN to review in the terminal, or --import FILE.csv to record a batch');
      const ml = await loadMl();
      if (opts.import !== undefined) {
        const file = opts.import;
        const stored = await withStore(cmd, (store) => ml.importReviews(store, file, opts.reviewer === undefined ? {} : { reviewer: opts.reviewer }));
        if (opts.json) printJson({ recorded: stored.length, reviews: stored });
        else {
          const count = (v: string): number => stored.filter((r) => r.verdict === v).length;
          const runs = [...new Set(stored.map((r) => r.run_id))];
          process.stdout.write(`recorded ${stored.length} reviews (${count('accept')} accept, ${count('reject')} reject, ${stored.filter((r) => r.rating !== null).length} rated) for ${runs.join(', ')}\n`);
        }
        return;
      }
      const { renderTerminalImage, terminalImageMode } = await import('../../../images/terminal-image.js'); // sharp: only when reviewing
      const mode = opts.images === undefined || opts.images === 'auto' ? terminalImageMode(process.env, process.stdout.isTTY === true) : opts.images;
      await withStore(cmd, async (store) => {
        const reviewer = opts.reviewer ?? ml.userName();
        const queue = await ml.reviewQueue(store, { run: opts.run!, reviewer, ...(opts.all ? { all: true } : {}), ...(opts.limit === undefined ? {} : { limit: opts.limit }) });
        if (queue.length === 0) {
          process.stdout.write(`nothing to review: ${reviewer} has judged every prediction of ${opts.run} (--all shows them again)\n`);
          return;
        }
        const registry = new ml.RunRegistry(store);
        const rl = readline.createInterface({ input: process.stdin, terminal: false });
        const lines = rl[Symbol.asyncIterator]();
        const tally = { accept: 0, reject: 0, rated: 0, skipped: 0 };
        process.stdout.write(`reviewing ${queue.length} predictions of ${opts.run} as ${reviewer}\n${HELP}\n`);
        try {
          for (const [i, p] of queue.entries()) {
            const file = registry.absolute(p.FILE, `ml_predictions.FILE of ${p.prediction_id}`);
            const facts = [
              ...Object.entries(p.params).map(([k, v]) => `${k}=${String(v)}`),
              ...(p.seed === null ? [] : [`seed ${p.seed}`]),
              ...(p.score === null ? [] : [`score ${p.score.toFixed(3)}`]),
              ...(p.nn_distance === null ? [] : [`nn_distance ${p.nn_distance.toFixed(3)}`]),
              ...(p.accepted === null ? [] : [p.accepted === 1 ? 'accepted' : 'rejected']),
            ];
            process.stdout.write(`\n[${i + 1}/${queue.length}] ${p.prediction_id}  ${facts.join('  ')}\n`);
            if (mode !== 'none' && fs.existsSync(file)) process.stdout.write(await renderTerminalImage(fs.readFileSync(file), file, mode));
            process.stdout.write(`${p.FILE}${fs.existsSync(file) ? '' : '  (missing file)'}\n`);
            let answer: Answer | undefined;
            for (;;) {
              process.stdout.write('> ');
              const next = await lines.next();
              if (next.done) {
                answer = { action: 'quit' };
                break;
              }
              answer = parseAnswer(next.value);
              if (answer !== undefined) break;
              process.stdout.write(`not understood: "${next.value.trim()}"; ${HELP}\n`);
            }
            if (answer === undefined || answer.action === 'quit') break;
            if (answer.action === 'skip') {
              tally.skipped++;
              continue;
            }
            await ml.recordReviews(store, [{ prediction_id: p.prediction_id, verdict: answer.verdict, rating: answer.rating, comment: answer.comment }], { reviewer, source: 'terminal' });
            if (answer.verdict === 'accept') tally.accept++;
            if (answer.verdict === 'reject') tally.reject++;
            if (answer.rating !== null) tally.rated++;
          }
        } finally {
          rl.close();
        }
        process.stdout.write(`\nrecorded ${tally.accept} accept, ${tally.reject} reject, ${tally.rated} rated, ${tally.skipped} skipped; accept them for retraining with: dsi ml accept --run ${opts.run} --reviewed\n`);
      });
    });
}
