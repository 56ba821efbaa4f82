export { displayChannel } from './display-channel.js';
// Registering the Jupyter kernels (`dsi notebook install`).
export { installKernels, findJupyter, typescriptKernelSpec, pythonKernelSpec, TYPESCRIPT_KERNEL, PYTHON_KERNEL, JUPYTER_DEBS, PYTHON_KERNEL_PACKAGES } from './kernel-spec.js';
export type { InstallKernelsOptions, InstalledKernels, KernelSpec } from './kernel-spec.js';
