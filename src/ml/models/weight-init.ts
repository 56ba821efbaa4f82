/**
 * Weight-initialisation recipes of the model kinds: whole-model policies built from PyTorch's
 * own init functions (`torch.nn.init`), which stay in torch/. Each visits the modules in
 * PyTorch's `apply` order (children first) and draws from the global generator, so after the
 * same `manualSeed` a recipe gives the same numbers as its PyTorch counterpart.
 *
 * ```ts
 * dcganInit(generator); // the DCGAN paper's N(0, 0.02)
 * kerasInit(model);     // Glorot-uniform weights, zero biases, as Keras layers start
 * ```
 */
import * as torch from '../../torch/index.js';

const { nn } = torch;

/** The layers whose weights a recipe draws: Conv2d, ConvTranspose2d and Linear. */
function isWeightLayer(m: torch.nn.Module): m is torch.nn.Conv2d | torch.nn.ConvTranspose2d | torch.nn.Linear {
  return m instanceof nn.Conv2d || m instanceof nn.ConvTranspose2d || m instanceof nn.Linear;
}

/**
 * The DCGAN paper's initialisation, as PyTorch's DCGAN tutorial applies it: Conv, ConvTranspose
 * and Linear weights from N(0, 0.02); BatchNorm weights from N(1, 0.02) and biases 0. Modules are
 * visited in PyTorch's `apply` order (children first), so the draws match `model.apply(weights_init)`.
 */
export function dcganInit<M extends torch.nn.Module>(module: M): M {
  module.apply((m) => {
    if (isWeightLayer(m)) {
      nn.init.normal_(m.weight, 0, 0.02);
    } else if (m instanceof nn.BatchNorm) {
      if (m.weight !== undefined) nn.init.normal_(m.weight, 1, 0.02);
      if (m.bias !== undefined) nn.init.zeros_(m.bias);
    }
  });
  return module;
}

/**
 * Keras's default initialisation, which TensorFlow's DCGAN tutorial trains with: Glorot-uniform
 * weights and zero biases for Linear, Conv2d and ConvTranspose2d (BatchNorm and Embedding are left
 * as they are). With PyTorch's default (Kaiming-uniform, a = √5) the tutorial's generator learns
 * far more slowly: after 400 steps on MNIST it still draws a checkerboard of dots, where with this
 * one it draws digit-shaped blobs.
 */
export function kerasInit<M extends torch.nn.Module>(module: M): M {
  module.apply((m) => {
    if (isWeightLayer(m)) {
      nn.init.xavierUniform_(m.weight);
      if (m.bias !== undefined) nn.init.zeros_(m.bias);
    }
  });
  return module;
}
