/**
 * `dsi`: the command line over the store. One verb per store operation; `--json` prints one JSON
 * document on stdout for scripts; errors are one line on stderr and a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { backendNames } from '../backends/registry.js';
import { MlError, StoreError } from '../errors.js';
import { registerBench } from './commands/bench.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDemo } from './commands/demo.js';
import { registerDisplay } from './commands/display.js';
import { registerDoctor } from './commands/doctor.js';
import { registerFind } from './commands/find.js';
import { registerList } from './commands/list.js';
import { registerMl } from './commands/ml.js';
import { registerQuery } from './commands/query.js';
import { registerRead } from './commands/read.js';
import { registerSchema } from './commands/schema.js';
import { registerSearch } from './commands/search.js';
import { registerSummary } from './commands/summary.js';
import { registerUnits } from './commands/units.js';
import { registerUpdate } from './commands/update.js';
import { registerWrite } from './commands/write.js';

// `dsi … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('dsi')
  .description('Data Science Infrastructure: ingest scientific metadata into a queryable store, find and search it')
  .option('--db <path>', 'the store', 'dsi.db')
  .option('--backend <name>', `backend: ${backendNames().join(', ')}`, 'sqlite')
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

for (const register of [registerRead, registerQuery, registerFind, registerSearch, registerList, registerSummary, registerDisplay, registerSchema, registerUnits, registerWrite, registerUpdate, registerDatasets, registerDemo, registerDoctor, registerBench, registerMl]) {
  register(program);
}
for (const c of program.commands) c.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; commander already printed its one-line error otherwise.
    process.exitCode = e.exitCode;
  } else if (e instanceof StoreError || e instanceof MlError) {
    process.stderr.write(`dsi: ${e.message}\n`);
    process.exitCode = e.code === 'E_BAD_ARGUMENT' || e.code === 'E_ML_ARGUMENT' ? 2 : 1;
  } else {
    process.stderr.write(`dsi: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
