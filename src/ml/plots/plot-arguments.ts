/**
 * Argument checks shared by the plot functions: each failure is an `MlError` with code
 * `E_ML_ARGUMENT` whose message names the function, the option, what it must be and what it got.
 */
import { MlError } from '../../errors.js';

/** An `E_ML_ARGUMENT` error: `fn: what, got value`. */
export function plotArgumentError(fn: string, what: string, ...got: [unknown?]): MlError {
  const suffix = got.length > 0 ? `, got ${describe(got[0])}` : '';
  return new MlError('E_ML_ARGUMENT', `${fn}: ${what}${suffix}`);
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) {
    return JSON.stringify(value) ?? String(value);
  }
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}

/** `value` must be a string (an empty one is allowed: it draws no text). */
export function requireText(fn: string, name: string, value: unknown): string {
  if (typeof value !== 'string') throw plotArgumentError(fn, `${name} must be a string`, value);
  return value;
}

/** The checks every plot starts with: `data` (the argument `name`) a non-empty array, `options` an object with text `title` and `xLabel`. */
export function requirePlotInput(fn: string, name: string, data: unknown, options: { title: unknown; xLabel: unknown }): { title: string; xLabel: string } {
  requireNonEmpty(fn, name, data);
  if (typeof options !== 'object' || options === null) throw plotArgumentError(fn, 'options must be an object', options);
  return { title: requireText(fn, 'options.title', options.title), xLabel: requireText(fn, 'options.xLabel', options.xLabel) };
}

/** `value`, when given, must be a whole number of pixels in [min, max]; `fallback` otherwise. */
export function optionalInteger(fn: string, name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw plotArgumentError(fn, `${name} must be a whole number from ${min} to ${max}`, value);
  }
  return value;
}

/** `value` must be an array (or typed array) with at least one element. */
export function requireNonEmpty(fn: string, name: string, value: unknown): void {
  const length = Array.isArray(value) || ArrayBuffer.isView(value) ? (value as { length: number }).length : undefined;
  if (length === undefined) throw plotArgumentError(fn, `${name} must be an array`, value);
  if (length === 0) throw plotArgumentError(fn, `${name} is empty: there is nothing to plot`);
}

/** Whether `v` is a number that can be drawn (not NaN, not ±Infinity). */
export function isDrawable(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
