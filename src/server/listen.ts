/**
 * Serves a dashboard application over HTTP (@hono/node-server) and stops it: `close()` stops
 * accepting, ends open event streams and resolves once the port is free.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface ListeningDashboard {
  /** `http://HOST:PORT/` (with `?token=…` when a token is needed). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts listening on `host:port` (port 0: any free one); rejects when the port is taken. */
export function listen(app: Hono, options: { host: string; port: number; token?: string | undefined }): Promise<ListeningDashboard> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port });
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      const url = `http://${host}:${port}/${options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`}`;
      let closing: Promise<void> | undefined;
      resolve({
        url,
        port,
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
          return closing;
        },
      });
    });
  });
}
