/** A run's loss curves, redrawn after every epoch as `loss.svg` and `loss.png` in its folder. */
import path from 'node:path';
import { lossPlotSvg } from '../plots/loss-plot.js';
import { writePlot } from '../plots/write-plot.js';
import type { RunRegistry } from '../registry/run-registry.js';

export async function writeLossPlots(registry: RunRegistry, runId: string, folder: string): Promise<string> {
  const epochs = await registry.epochs(runId);
  const svg = await lossPlotSvg(epochs, `Losses of ${runId}`);
  const png = path.join(folder, 'loss.png');
  await writePlot(svg, path.join(folder, 'loss.svg'));
  await writePlot(svg, png);
  const relative = registry.relative(png);
  await registry.update(runId, { FILE_loss_plot: relative });
  return relative;
}
