/**
 * What `show` produces before it knows where it goes: a list of outputs, each with a plain-text
 * form (always) and rich forms (HTML, a Vega-Lite chart with its PNG). In Jupyter each output is
 * one `display_data` bundle, and the front end picks the richest type it renders (JupyterLab:
 * Vega-Lite; nbconvert's HTML and GitHub: the PNG; a terminal: the text). Outside a notebook only
 * the text is printed.
 */
import type { MimeBundle, MimeMetadata } from './display-channel.js';

/** The Vega-Lite MIME type Jupyter's renderers know (JupyterLab renders v5 specifications). */
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export interface Output {
  /** What a terminal or a plain-text viewer shows. */
  readonly text: string;
  readonly html?: string;
  /** A Vega-Lite specification (the chart's data inline). */
  readonly vegaLite?: object;
  /** The same chart drawn as PNG, for viewers that do not render Vega-Lite. */
  readonly png?: Buffer;
  /** The size to show the PNG at, in CSS pixels (it is drawn at twice that, for sharp screens). */
  readonly pngSize?: { readonly width: number; readonly height: number };
}

/** The display hints of `output`: the PNG's size, so a 2× drawing is shown at its size. */
export function metadataOf(output: Output): MimeMetadata {
  return output.png !== undefined && output.pngSize !== undefined ? { 'image/png': { width: output.pngSize.width, height: output.pngSize.height } } : {};
}

/** One Jupyter MIME bundle of `output`. */
export function bundleOf(output: Output): MimeBundle {
  const bundle: Record<string, string | object> = { 'text/plain': output.text };
  if (output.html !== undefined) bundle['text/html'] = output.html;
  if (output.vegaLite !== undefined) bundle[VEGA_LITE_MIME] = { $schema: VEGA_LITE_SCHEMA, ...output.vegaLite };
  if (output.png !== undefined) bundle['image/png'] = output.png.toString('base64');
  return bundle;
}
