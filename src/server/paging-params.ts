/**
 * The query-string numbers and switches of the dashboard's data routes, checked before anything
 * reaches the store: a bad `offset`, `limit` or `desc` is a 400 that names the parameter, the
 * range it must lie in and what it got.
 */
import { badRequest } from './http-errors.js';

/** A whole number from `min` to `max` given as `name=TEXT`, or `fallback` when absent or empty. */
export function wholeNumberParam(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(`${name} must be a whole number from ${min} to ${max}, got "${text.slice(0, 40)}"`);
  }
  return n;
}

/** A switch given as `name=1|0|true|false` (absent: false). */
export function switchParam(name: string, text: string | undefined): boolean {
  if (text === undefined || text === '' || text === '0' || text === 'false') return false;
  if (text === '1' || text === 'true') return true;
  throw badRequest(`${name} must be 1, 0, true or false, got "${text.slice(0, 40)}"`);
}

/** A required text parameter, or a 400 saying what it is for. */
export function requiredText(name: string, text: string | undefined, what: string): string {
  if (text === undefined || text.trim() === '') throw badRequest(`give ${name}: ${what}`);
  return text;
}
