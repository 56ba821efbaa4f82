/**
 * The DCGAN training step of DESIGN §4 on TensorFlow.js's CPU backend (plain JavaScript kernels),
 * the baseline a Node program has without a native binding. Same layers and hyper-parameters as
 * ours and TensorFlow's tutorial. TF.js's gradient API differentiates one scalar per call, so the
 * step is two calls: the generator's loss through D(G(z)), then the discriminator's loss on the
 * real batch and the (kept) generated one; that repeats one discriminator forward pass on the
 * generated batch, about a tenth of the step's arithmetic.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { median } from '../src/bench/median.js';

export interface TfjsResult {
  images_per_second: number;
  median_step_ms: number;
  steps: number;
  backend: string;
  version: string;
}

function generator(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ units: 7 * 7 * 256, useBias: false, inputShape: [100] }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.leakyReLU({ alpha: 0.3 }));
  m.add(tfl.layers.reshape({ targetShape: [7, 7, 256] }));
  m.add(tfl.layers.conv2dTranspose({ filters: 128, kernelSize: 5, strides: 1, padding: 'same', useBias: false }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.leakyReLU({ alpha: 0.3 }));
  m.add(tfl.layers.conv2dTranspose({ filters: 64, kernelSize: 5, strides: 2, padding: 'same', useBias: false }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.leakyReLU({ alpha: 0.3 }));
  m.add(tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 5, strides: 2, padding: 'same', useBias: false, activation: 'tanh' }));
  return m;
}

function discriminator(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 5, strides: 2, padding: 'same', inputShape: [28, 28, 1] }));
  m.add(tfl.layers.leakyReLU({ alpha: 0.3 }));
  m.add(tfl.layers.dropout({ rate: 0.3 }));
  m.add(tfl.layers.conv2d({ filters: 128, kernelSize: 5, strides: 2, padding: 'same' }));
  m.add(tfl.layers.leakyReLU({ alpha: 0.3 }));
  m.add(tfl.layers.dropout({ rate: 0.3 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 1 }));
  return m;
}

/**
 * Times `steps` steps after `warmup` on the CPU backend. Its kernels are plain loops, so there is
 * no compilation to warm up and the cost per image hardly depends on the batch.
 */
export async function benchTfjsDcgan(batch: number, steps: number, warmup = 0): Promise<TfjsResult> {
  await tf.setBackend('cpu');
  await tf.ready();
  tf.enableProdMode();
  const gen = generator();
  const disc = discriminator();
  const optG = tf.train.adam(1e-4);
  const optD = tf.train.adam(1e-4);
  const real = tf.randomUniform([batch, 28, 28, 1], -1, 1);
  const ones = tf.ones([batch, 1]);
  const zeros = tf.zeros([batch, 1]);
  const bce = (labels: tf.Tensor, logits: tf.Tensor): tf.Scalar => tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
  const genVars = gen.trainableWeights.map((w) => w.read() as tf.Variable);
  const discVars = disc.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = (): void => {
    tf.tidy(() => {
      const noise = tf.randomNormal([batch, 100]);
      let fake: tf.Tensor | undefined;
      const g = tf.variableGrads(() => {
        fake = tf.keep(gen.apply(noise, { training: true }) as tf.Tensor);
        return bce(ones, disc.apply(fake, { training: true }) as tf.Tensor);
      }, genVars);
      const d = tf.variableGrads(() => {
        const r = disc.apply(real, { training: true }) as tf.Tensor;
        // `fake` is a constant here: only the discriminator's variables are differentiated.
        const f = disc.apply(fake!, { training: true }) as tf.Tensor;
        return tf.add(bce(ones, r), bce(zeros, f));
      }, discVars);
      optD.applyGradients(d.grads as Parameters<typeof optD.applyGradients>[0]);
      optG.applyGradients(g.grads as Parameters<typeof optG.applyGradients>[0]);
      g.value.dataSync();
      d.value.dataSync();
      fake?.dispose();
    });
  };
  for (let i = 0; i < warmup; i++) step();
  const seconds: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = process.hrtime.bigint();
    step();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const med = median(seconds);
  for (const t of [real, ones, zeros]) t.dispose();
  gen.dispose();
  disc.dispose();
  return { images_per_second: batch / med, median_step_ms: med * 1000, steps, backend: tf.getBackend(), version: tf.version_core };
}
