/**
 * Commander's parse errors in the command line's own words, on one line: which command, which
 * option or argument, what it must be and what it got.
 *
 * @example
 * usageMessage(err, queryCommand)
 * // "query: --limit must be a whole number ≥ 1, got "x""      (for `dsi query … --limit x`)
 * // "bench dcgan: --precision must be one of fp32, bf16, fp16, got "x""
 */
import type { Command, CommanderError } from 'commander';

/** `dsi ml train` → "ml train"; the program itself → "". */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** `-n, --limit <n>` → `--limit`; `--no-ml` → `--no-ml`. */
function optionName(flags: string): string {
  const words = flags.split(/[ ,|]+/);
  return words.find((w) => w.startsWith('--')) ?? words.find((w) => w.startsWith('-')) ?? flags;
}

/** What a value must be, from commander's own reason (its choices) or the parser's. */
function requirement(reason: string, value: string): string {
  const choices = /^Allowed choices are (.*)\.$/.exec(reason.trim());
  if (choices) return `must be one of ${choices[1]}, got "${value}"`;
  return reason.trim();
}

/** The message of a commander parse error of `command`, without commander's `error: ` prefix. */
export function usageMessage(error: CommanderError, command: Command): string {
  const where = commandPath(command);
  const text = error.message.replace(/^error: /, '').replace(` for '${command.name()}'`, '').replace(/\s*\n\s*/g, ' ').trim();
  const prefix = where === '' ? '' : `${where}: `;
  const option = /^option '(.+?)' argument '([\s\S]*?)' is invalid\. ([\s\S]*)$/.exec(text);
  if (option) return `${prefix}${optionName(option[1]!)} ${requirement(option[3]!, option[2]!)}`;
  const argument = /^command-argument value '([\s\S]*?)' is invalid for argument '(.+?)'\. ([\s\S]*)$/.exec(text);
  if (argument) return `${prefix}argument <${argument[2]}> ${requirement(argument[3]!, argument[1]!)}`;
  return `${prefix}${text}`;
}
