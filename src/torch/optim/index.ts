/**
 * Optimisers with PyTorch's names, arithmetic and state-dict layout; each `step()` is one native
 * call for all parameters.
 *
 * ```ts
 * import { optim } from 'dsi-ts/torch';
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * opt.save('opt.safetensors');
 * ```
 */
export { Optimizer, type OptimizerStateDict, type ParamGroupState, type StateValue } from './optimizer.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { SGD, type SGDOptions } from './sgd.js';
