/**
 * Neural-network modules with PyTorch's names, state-dict keys and default initialisation.
 *
 * ```ts
 * import { nn } from 'dsi-ts/torch';
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * model.save('model.safetensors'); // loads in PyTorch with load_state_dict(load_file(...))
 * ```
 */
export { Module, type LoadStateDictOptions, type NumParametersOptions } from './module.js';
export { Sequential } from './sequential.js';
export { Linear, type LinearOptions } from './linear.js';
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './conv.js';
export { BatchNorm, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batch-norm.js';
export { SyncBatchNorm, type SyncBatchNormOptions } from './sync-batch-norm.js';
export { Dropout } from './dropout.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Flatten, Unflatten } from './flatten.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Identity } from './activation.js';
export * as init from './init.js';
export { SpectralNormConv2d, SpectralNormLinear, SpectralNormEmbedding, SPECTRAL_NORM_EPS } from './spectral-norm.js';
export { ModuleList } from './module-list.js';
