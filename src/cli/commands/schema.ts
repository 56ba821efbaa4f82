import type { Command } from 'commander';
import { withStore } from '../context.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the DDL of the store; --apply a relations JSON (primary and foreign keys) first')
    .option('--apply <file>', 'relations file: {"table": {"primary_key": "col", "foreign_key": {"col": ["table", "col"]}}}')
    .option('--table <name>', 'print only this table')
    .action(async (opts: { apply?: string; table?: string }, cmd: Command) => {
      const ddl = await withStore(
        cmd,
        async (store) => {
          if (opts.apply) await store.applySchema(opts.apply);
          return store.schemaDdl(opts.table);
        },
        // Printing the DDL only reads: it works on a store the caller may not write.
        { readOnly: opts.apply === undefined },
      );
      process.stdout.write(ddl === '' ? '(no tables)\n' : `${ddl}\n`);
    });
}
