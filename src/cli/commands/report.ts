/**
 * `dsi [--db S] report --run R --out FILE.html`: one self-contained HTML report of a run
 * (parameters, provenance, curves, sample grids, evaluations, lineage) that opens in any browser
 * without a network; see src/ml/report/run-report.ts. Reads the store only.
 */
import type { Command } from 'commander';
import { StoreError } from '../../errors.js';
import { withStore } from '../context.js';
import { printJson } from '../output.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a run\'s report as one self-contained HTML file (images embedded, no network needed to open it)')
    .requiredOption('--run <run>', 'the run to report on')
    .requiredOption('--out <file.html>', 'the HTML file to write (replaced atomically)')
    .option('--json', 'print {run_id, file, bytes} as JSON')
    .action(async (opts: { run: string; out: string; json?: boolean }, cmd: Command) => {
      if (!/\.html?$/i.test(opts.out)) throw new StoreError('E_BAD_ARGUMENT', `--out must name an .html file, got "${opts.out}"`);
      // Loaded on use, without the ML library's native addon: a report needs no libtorch.
      const { writeRunReport } = await import('../../ml/report/run-report.js');
      const bytes = await withStore(cmd, (store) => writeRunReport(store, opts.run, opts.out), { readOnly: true });
      if (opts.json) printJson({ run_id: opts.run, file: opts.out, bytes });
      else process.stdout.write(`report of ${opts.run}: ${opts.out} (${Math.ceil(bytes / 1024)} KiB)\n`);
    });
}
