/**
 * The code blocks of a Markdown page, with the annotations that tell the documentation tests how
 * to treat them:
 *
 * - `<!-- not-tested: REASON -->` on the line(s) just before a fence: the block is left out.
 * - `<!-- ts-context: DECLARATIONS -->` before a ```ts block: what the fragment assumes (a
 *   `store`, the rows it works on), prepended when it is type-checked.
 * - `<!-- doc-test: after README.md -->` anywhere on a page: its shell lines continue from the
 *   state the README's lines left (the runs, tables and files made there).
 * - `# (not run in tests: REASON)` at the end of a shell line: that line is left out.
 *
 * Shell lines are the commands of ```sh blocks, with `\` continuations joined and comment-only
 * lines dropped; each keeps the page line it starts on.
 */
import fs from 'node:fs';

export interface CodeBlock {
  readonly page: string;
  /** Page line of the opening fence (1-based). */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** Why the block is left out, when it is. */
  readonly notTested?: string;
  /** Declarations the fragment assumes. */
  readonly context: string;
}

export interface ShellLine {
  readonly page: string;
  readonly line: number;
  /** The command without its trailing comment. */
  readonly command: string;
  /** Why it is left out, when it is. */
  readonly notRun?: string;
}

const FENCE = /^(\s*)```\s*([A-Za-z]*)\s*$/;
const COMMENT = /<!--\s*([a-z-]+):\s*([\s\S]*?)\s*-->/g;

/** The code blocks of `file`, named `page` in messages. */
export function codeBlocks(file: string, page: string): CodeBlock[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, lines[j]!.length - lines[j]!.trimStart().length)));
    const annotations = annotationsBefore(lines, i);
    blocks.push({
      page,
      line: i + 1,
      lang: open[2]!,
      code: body.join('\n'),
      ...(annotations['not-tested'] === undefined ? {} : { notTested: annotations['not-tested'] }),
      context: annotations['ts-context'] ?? '',
    });
    i = j;
  }
  return blocks;
}

/** The `<!-- name: value -->` comments directly above line `fence` (blank lines between allowed). */
function annotationsBefore(lines: readonly string[], fence: number): Record<string, string> {
  const out: Record<string, string> = {};
  let k = fence - 1;
  for (;;) {
    while (k >= 0 && lines[k]!.trim() === '') k--;
    if (k < 0 || !lines[k]!.trimEnd().endsWith('-->')) return out;
    const end = k;
    while (k >= 0 && !lines[k]!.includes('<!--')) k--;
    if (k < 0) return out;
    for (const c of lines.slice(k, end + 1).join('\n').matchAll(COMMENT)) out[c[1]!] ??= c[2]!;
    k--;
  }
}

/** Whether the page continues from the README's state (a line `<!-- doc-test: after README.md -->`). */
export function continuesReadme(file: string): boolean {
  return /^<!--\s*doc-test:\s*after README\.md\s*-->\s*$/m.test(fs.readFileSync(file, 'utf8'));
}

/** The text of `line` before a `#` that starts a comment (outside quotes). */
export function withoutComment(line: string): { command: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return { command: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
  }
  return { command: line.trimEnd(), comment: '' };
}

/** The commands of the ```sh blocks among `blocks`, in page order. */
export function shellLines(blocks: readonly CodeBlock[]): ShellLine[] {
  const out: ShellLine[] = [];
  for (const b of blocks) {
    if (b.lang !== 'sh' && b.lang !== 'bash') continue;
    const lines = b.code.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const first = i;
      let text = lines[i]!;
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
      const { command, comment } = withoutComment(text);
      if (command.trim() === '') continue;
      const reason = /\(not run in tests:\s*([^)]*)\)/.exec(comment)?.[1];
      const notRun = b.notTested ?? reason;
      out.push({ page: b.page, line: b.line + 1 + first, command: command.trim(), ...(notRun === undefined ? {} : { notRun }) });
    }
  }
  return out;
}
