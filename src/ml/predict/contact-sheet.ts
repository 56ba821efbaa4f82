/**
 * The contact sheet of a prediction call: the call's images on one page, one labelled row per
 * parameter combination (`label = 3`, `temperature = 0.25, material = steel`), all the images of
 * that combination in its row, wrapped onto lines of {@link SHEET_COLUMNS}; every image scaled
 * {@link SHEET_SCALE}× with nearest-neighbour sampling (src/images/labelled-grid.ts).
 *
 * The sheet holds at most {@link SHEET_LINES} lines of {@link SHEET_COLUMNS} images. Beyond that it
 * shows a sample, never a resized page: the first {@link SHEET_LINES} combinations (in the call's
 * order), and of each only its first images, as many lines as SHEET_LINES ÷ combinations allows
 * (at least one line); such a row's label ends in `(N of COUNT)`. The individual PNGs always hold
 * every image.
 *
 * Memory stays the sheet's own pixels (at most 200 images), whatever the call's size: images are
 * offered one at a time as they are generated and only those on the sheet are kept.
 *
 * @example
 * const sheet = new ContactSheet(combos, count, { channels: 1, size: 28 });
 * for (const k of …) sheet.offer(k, pixelsOfImageK);
 * fs.writeFileSync('contact-sheet.png', await sheet.png());
 */
import { assignmentLabel, labelledGridPng, type LabelledRow } from '../../images/labelled-grid.js';
import type { Cell } from '../../store/types.js';

/** Images per line. */
export const SHEET_COLUMNS = 10;
/** Lines per sheet, at most. */
export const SHEET_LINES = 20;
/** Output pixels per generated pixel. */
export const SHEET_SCALE = 4;
/** The sheet's file name inside a call's folder. */
export const CONTACT_SHEET_NAME = 'contact-sheet.png';

/** Planar uint8 images of one shape, as a call generates them. */
export interface SheetImageShape {
  readonly channels: 1 | 3;
  readonly size: number;
}

export class ContactSheet {
  readonly #shape: SheetImageShape;
  readonly #count: number;
  readonly #columns: number;
  /** Images of each combination on the sheet. */
  readonly #perCombo: number;
  readonly #rows: readonly LabelledRow[];
  readonly #pixels: Uint8Array;

  /**
   * `combos` in the call's order, `count` images of each: image k of the call is image
   * `k % count` of combination `floor(k / count)`.
   */
  constructor(combos: readonly Readonly<Record<string, Cell>>[], count: number, shape: SheetImageShape) {
    this.#shape = shape;
    this.#count = count;
    this.#columns = Math.min(SHEET_COLUMNS, count);
    const shown = Math.min(combos.length, SHEET_LINES);
    const lines = Math.max(1, Math.floor(SHEET_LINES / shown));
    this.#perCombo = Math.min(count, lines * this.#columns);
    const cut = this.#perCombo < count ? ` (${this.#perCombo} of ${count})` : '';
    this.#rows = combos.slice(0, shown).map((c) => {
      const label = assignmentLabel(Object.entries(c));
      return { label: label === '' ? '' : `${label}${cut}`, count: this.#perCombo };
    });
    this.#pixels = new Uint8Array(shown * this.#perCombo * this.#plane());
  }

  #plane(): number {
    return this.#shape.channels * this.#shape.size * this.#shape.size;
  }

  /** The sheet position of the call's image k, or -1 when it is not on the sheet. */
  slot(k: number): number {
    const combo = Math.floor(k / this.#count);
    const within = k % this.#count;
    if (combo >= this.#rows.length || within >= this.#perCombo) return -1;
    return combo * this.#perCombo + within;
  }

  /** Keep image k's planar pixels when it is on the sheet (copied: the caller may reuse its buffer). */
  offer(k: number, pixels: Uint8Array): void {
    const slot = this.slot(k);
    if (slot >= 0) this.#pixels.set(pixels, slot * this.#plane());
  }

  /** The sheet as PNG bytes (images never offered stay black). */
  png(): Promise<Uint8Array> {
    const { channels, size } = this.#shape;
    const labelled = this.#rows.some((r) => r.label !== '');
    return labelledGridPng(
      this.#pixels,
      { count: this.#rows.length * this.#perCombo, channels, height: size, width: size },
      { columns: this.#columns, scale: SHEET_SCALE, ...(labelled ? { rows: this.#rows } : {}) },
    );
  }
}
