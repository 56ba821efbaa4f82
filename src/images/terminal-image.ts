/**
 * Show an image in a terminal: inline through iTerm2's or kitty's image protocol where the
 * terminal speaks one, otherwise as coloured half blocks (`▀`, foreground the upper pixel,
 * background the lower), which any 24-bit colour terminal draws: a 28 × 28 digit takes 28
 * columns × 14 lines. `none` prints nothing (the caller prints the path).
 */
import sharp from 'sharp';
import { decodeImage } from './decode-image.js';

export type TerminalImageMode = 'iterm' | 'kitty' | 'blocks' | 'none';

/** The best mode the terminal described by `env` supports (`none` when output is not a terminal). */
export function terminalImageMode(env: NodeJS.ProcessEnv, isTTY: boolean): TerminalImageMode {
  if (!isTTY) return 'none';
  if (env['TERM_PROGRAM'] === 'iTerm.app' || env['TERM_PROGRAM'] === 'WezTerm' || env['LC_TERMINAL'] === 'iTerm2') return 'iterm';
  if (env['TERM'] === 'xterm-kitty' || env['KITTY_WINDOW_ID'] !== undefined) return 'kitty';
  if (env['TERM'] === 'dumb' || env['NO_COLOR'] !== undefined) return 'none';
  return 'blocks';
}

/** The escape sequences (or text) that draw `bytes` (a PNG or JPEG file's content), ending in a newline. */
export async function renderTerminalImage(bytes: Uint8Array, file: string, mode: TerminalImageMode, options: { maxWidth?: number } = {}): Promise<string> {
  if (mode === 'none') return '';
  const image = await decodeImage(bytes, file);
  if (mode === 'blocks') return halfBlocks(image.data, image.width, image.height, image.channels, image.depth, options.maxWidth ?? 64);
  // Small images (MNIST's 28 px) are enlarged without smoothing, so each pixel stays visible.
  const scale = Math.max(1, Math.floor(224 / Math.max(image.width, image.height)));
  const png = await sharp(bytes).resize(image.width * scale, image.height * scale, { kernel: 'nearest' }).png().toBuffer();
  const data = png.toString('base64');
  if (mode === 'iterm') return `\x1b]1337;File=inline=1;size=${png.length};preserveAspectRatio=1:${data}\x07\n`;
  // kitty: base64 PNG in chunks of at most 4096 bytes, m=1 on all but the last.
  const chunks: string[] = [];
  for (let i = 0; i < data.length; i += 4096) {
    const last = i + 4096 >= data.length;
    chunks.push(`\x1b_G${i === 0 ? 'f=100,a=T,' : ''}m=${last ? 0 : 1};${data.slice(i, i + 4096)}\x1b\\`);
  }
  return `${chunks.join('')}\n`;
}

/** RGB of pixel (x, y), nearest-neighbour sampled, from interleaved samples. */
function pixel(data: Uint8Array | Uint16Array, width: number, channels: number, depth: number, x: number, y: number): [number, number, number] {
  const shift = depth === 16 ? 8 : 0;
  const i = (y * width + x) * channels;
  const v = (k: number): number => (data[i + k]! >> shift) & 0xff;
  if (channels <= 2) {
    const g = channels === 2 ? Math.round((v(0) * v(1)) / 255) : v(0);
    return [g, g, g];
  }
  if (channels === 4) {
    const a = v(3) / 255;
    return [Math.round(v(0) * a), Math.round(v(1) * a), Math.round(v(2) * a)];
  }
  return [v(0), v(1), v(2)];
}

function halfBlocks(data: Uint8Array | Uint16Array, width: number, height: number, channels: number, depth: number, maxWidth: number): string {
  const columns = Math.min(width, maxWidth);
  const rows = Math.max(1, Math.round((height * columns) / width));
  const sample = (c: number, r: number): [number, number, number] =>
    pixel(data, width, channels, depth, Math.min(width - 1, Math.floor((c * width) / columns)), Math.min(height - 1, Math.floor((r * height) / rows)));
  let out = '';
  for (let r = 0; r < rows; r += 2) {
    for (let c = 0; c < columns; c++) {
      const [tr, tg, tb] = sample(c, r);
      const [br, bg, bb] = r + 1 < rows ? sample(c, r + 1) : [0, 0, 0];
      out += `\x1b[38;2;${tr};${tg};${tb}m\x1b[48;2;${br};${bg};${bb}m▀`;
    }
    out += '\x1b[0m\n';
  }
  return out;
}
