/**
 * How `show` reaches Jupyter. The kernel (kernel.ts) installs a function under a global symbol
 * that sends one `display_data` message with a whole MIME bundle; `show` looks it up at each call.
 * A global symbol rather than an import, because the kernel and the notebook's own `import` of
 * `dsi-ts/notebook` may load this package through different module systems (ESM for the kernel,
 * `require` for cell code), and only `globalThis` is certainly shared.
 */

/** Rich output: MIME type → content (text, or base64 for binary types), as Jupyter's `data` field. */
export type MimeBundle = Readonly<Record<string, string | object>>;

/** Per-type display hints, as Jupyter's `metadata` field (`{"image/png": {"width": 480}}`). */
export type MimeMetadata = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Sends one bundle, with its metadata, to the current cell's output. */
export type DisplaySink = (bundle: MimeBundle, metadata?: MimeMetadata) => void;

const CHANNEL = Symbol.for('dsi-ts.notebook.display');

/** Install `sink` as where `show` sends rich output (the kernel does this once at start). */
export function openDisplayChannel(sink: DisplaySink): void {
  (globalThis as Record<symbol, unknown>)[CHANNEL] = sink;
}

/** The kernel's sink, or undefined outside a notebook. */
export function displayChannel(): DisplaySink | undefined {
  const sink = (globalThis as Record<symbol, unknown>)[CHANNEL];
  return typeof sink === 'function' ? (sink as DisplaySink) : undefined;
}
