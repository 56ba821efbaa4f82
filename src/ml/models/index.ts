/** Model definitions of the ML workflows (DESIGN §4). */
export * from './dcgan.js';
export * from './conditions.js';
export * from './condition-encoder.js';
export * from './standard-dcgan.js';
export * from './weight-init.js';
export * from './conditional-gan.js';
export * from './gan.js';
export * from './classifier.js';
export * from './surrogate.js';
