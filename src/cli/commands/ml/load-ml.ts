/**
 * The ML library for the `dsi ml …` subcommands, loaded on first use: it needs the libtorch
 * addon, which the store commands never load, so `dsi list` works where libtorch does not.
 */

/** The ML library (`dsi-ts/ml`), imported once a subcommand needs it. */
export async function loadMl(): Promise<typeof import('../../../ml/index.js')> {
  return import('../../../ml/index.js');
}
