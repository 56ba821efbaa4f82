/**
 * `dsi-ts/notebook`: this library in Jupyter. `show` displays results as tables, image grids, run
 * cards and Vega-Lite charts (plain text outside a notebook); the kernel that makes `dsi-ts`
 * importable from a notebook is kernel.ts, registered by `installKernels` (`dsi notebook install`).
 */
export { show, showOutputs, type ShowOptions } from './show.js';
export { bundleOf, metadataOf, VEGA_LITE_MIME, type Output } from './rendering.js';
export { displayChannel, type MimeBundle, type MimeMetadata } from './display-channel.js';
export { errorLine } from './error-line.js';
export { installKernels, findJupyter, typescriptKernelSpec, pythonKernelSpec, TYPESCRIPT_KERNEL, PYTHON_KERNEL, JUPYTER_DEBS, PYTHON_KERNEL_PACKAGES } from './kernel-spec.js';
export type { InstallKernelsOptions, InstalledKernels, KernelSpec } from './kernel-spec.js';
