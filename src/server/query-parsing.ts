/**
 * Reading a route's query parameters: whole numbers within bounds, one of a set of words, lists of
 * run ids. A value that does not fit is a 400 naming the parameter, what it must be and what it
 * got, before anything reaches the store.
 */
import { badRequest } from './http-errors.js';

/** The whole number `name` holds (`fallback` when absent), from `min` to `max`; otherwise a 400. */
export function integerParam(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** The word `name` holds (`fallback` when absent), one of `choices`; otherwise a 400. */
export function choiceParam<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if (!(choices as readonly string[]).includes(value)) throw badRequest(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** The comma-separated run ids `name` holds, without repeats: at least one and at most `max`; otherwise a 400. */
export function runListParam(name: string, value: string | undefined, max: number): string[] {
  const ids = [...new Set((value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (ids.length === 0) throw badRequest(`name the runs: ${name}=RUN_ID,RUN_ID,… (comma-separated)`);
  if (ids.length > max) throw badRequest(`${name} names ${ids.length} runs; at most ${max} can be shown together`);
  return ids;
}
