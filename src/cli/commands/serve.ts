/**
 * `dsi [--db S] serve [X.cdb] [--host H] [--port P] [--token T | --users FILE]`: the web dashboard
 * over the store (or over the Cinema database X.cdb). Prints one line with the URL it listens on,
 * and stops cleanly on Ctrl-C or SIGTERM. Loopback only unless `--host` says otherwise; then every
 * request needs the token, which is generated and printed once when `--token` does not give one.
 * With `--users FILE` it serves a group: each request carries its user's token and runs as the
 * account the file maps it to (docs/dashboard.md, "Serving a group"). `dsi serve --new-token`
 * prints a fresh token and its SHA-256 for such a file, and serves nothing.
 */
import type { Command } from 'commander';
import { globalOptions } from '../context.js';
import { wholeNumber } from '../number-options.js';
import { backendForLocation } from '../../index.js';

interface ServeFlags {
  host: string;
  port: number;
  token?: string;
  users?: string;
  newToken?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('a web dashboard over the store (tables, gallery, runs, evaluations, review), or over a Cinema database X.cdb')
    .argument('[cinema]', 'a Cinema database folder (X.cdb) to show instead of the store')
    .option('--host <host>', 'address to listen on (beyond loopback every request needs the token)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', wholeNumber(0, 65535), 8765)
    .option('--token <token>', 'the token requests must carry (default: none on loopback, a new one printed once elsewhere)')
    .option('--users <file>', 'serve a group: a TOML file mapping each user\'s token to a system account (readable by its owner only); each request runs as its account')
    .option('--new-token', 'print a new token and its SHA-256 (for a --users file) and exit')
    .action(async (cinema: string | undefined, opts: ServeFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      if (opts.newToken) {
        const { newToken, tokenDigest } = await import('../../server/index.js');
        const token = newToken();
        process.stdout.write(`token = "${token}"\ntoken_sha256 = "${tokenDigest(token)}"\n`);
        return;
      }
      if (opts.users !== undefined) {
        // A users file that would be refused is refused before the dashboard opens the store.
        const { DashboardUsers } = await import('../../server/index.js');
        DashboardUsers.fromFile(opts.users).close();
      }
      // The dashboard (and the ML library under it) loads only when serving: other commands start faster.
      const { startDashboard } = await import('../../server/index.js');
      const dashboard = await startDashboard({ db: g.db, backend: g.backend, dataFolder: g.dataFolder, cinema, host: opts.host, port: opts.port, token: opts.token, users: opts.users });
      process.stdout.write(`dashboard: ${dashboard.url}\n`);
      if (dashboard.tokenGenerated) process.stdout.write('every request needs the token in this URL; it is not stored anywhere\n');
      if (dashboard.accounts !== undefined) {
        process.stdout.write(`serving ${dashboard.accounts.length} account${dashboard.accounts.length === 1 ? '' : 's'} (${dashboard.accounts.join(', ')}): each user opens the URL with ?token=THEIR-TOKEN\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await dashboard.close();
      process.stdout.write('dashboard stopped\n');
    });
}
