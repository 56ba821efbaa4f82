/**
 * `dsi [--db S] serve [X.cdb] [--host H] [--port P] [--token T]`: the web dashboard over the store
 * (or over the Cinema database X.cdb). Prints one line with the URL it listens on, and stops
 * cleanly on Ctrl-C or SIGTERM. Loopback only unless `--host` says otherwise; then every request
 * needs the token, which is generated and printed once when `--token` does not give one.
 */
import type { Command } from 'commander';
import { StoreError } from '../../errors.js';
import { openStore } from '../../index.js';
import { openCinemaDatabase } from '../../server/cinema-database.js';
import { createDashboardApp } from '../../server/dashboard-app.js';
import { listen } from '../../server/listen.js';
import { isLoopbackAddress, newToken } from '../../server/request-guard.js';
import type { Store } from '../../store/store.js';
import type { GlobalOptions } from '../context.js';
import { wholeNumber } from '../number-options.js';
import { loadMl } from './ml/load-ml.js';

interface ServeFlags {
  host: string;
  port: number;
  token?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('a web dashboard over the store (tables, gallery, runs, evaluations, review), or over a Cinema database X.cdb')
    .argument('[cinema]', 'a Cinema database folder (X.cdb) to show instead of the store')
    .option('--host <host>', 'address to listen on (beyond loopback every request needs the token)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', wholeNumber(0, 65535), 8765)
    .option('--token <token>', 'the token requests must carry (default: none on loopback, a new one printed once elsewhere)')
    .action(async (cinemaFolder: string | undefined, opts: ServeFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.token !== undefined && opts.token.length < 8) throw new StoreError('E_BAD_ARGUMENT', '--token must be at least 8 characters long');
      const loopback = isLoopbackAddress(opts.host);
      const token = opts.token ?? (loopback ? undefined : newToken());
      const cinema = cinemaFolder === undefined ? undefined : openCinemaDatabase(cinemaFolder);
      let store: Store | undefined;
      if (cinema === undefined) {
        if (g.db === '') throw new StoreError('E_BAD_ARGUMENT', '--db must name a store file');
        store = await openStore(g.db, { backend: g.backend });
      }
      const ml = await loadMl();
      const app = createDashboardApp({ store, cinema, reviewer: ml.userName(), storeArguments: ['--db', g.db, '--backend', g.backend] }, { token, loopback });
      const server = await listen(app, { host: opts.host, port: opts.port, token });
      process.stdout.write(`dashboard: ${server.url}\n`);
      if (token !== undefined && opts.token === undefined) process.stdout.write('the token above is needed by every request; it is not stored anywhere\n');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      await store?.close();
      process.stdout.write('dashboard stopped\n');
    });
}
