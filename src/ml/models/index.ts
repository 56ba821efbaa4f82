/** Model definitions of the ML workflows (DESIGN §4) and their training steps. */
export * from './dcgan.js';
