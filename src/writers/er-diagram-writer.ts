/**
 * The `er-diagram` writer (Python DSI's `ER_Diagram`): the store's tables as boxes listing their
 * columns and declared types, primary keys marked `PK` and foreign-key columns `FK`, and each
 * foreign key an arrow from its column to the column it references. Laid out by Graphviz compiled
 * to WebAssembly (@hpcc-js/wasm-graphviz, no system Graphviz needed); written as `.svg`, `.png`
 * (the SVG rasterised at twice its size, fonts through fontconfig) or `.dot` (the Graphviz source).
 *
 * Options, as Python DSI's: `prefix` draws only the tables whose names start with it (ignoring
 * case; foreign keys to tables left out are not drawn), `maxColumns` lists at most that many
 * columns per table (key columns first, so every arrow has its end; a last line says how many
 * are not shown). The store's catalog tables (`dsi_*`) are never drawn. A store with no table to
 * draw (after the prefix) is refused, naming the prefix.
 *
 * @example dsi write er.png --writer er-diagram --prefix ml_ --max-columns 8
 */
import { StoreError } from '../errors.js';
import { escapeHtml } from '../html-escape.js';
import type { WriteContext, Writer } from '../store/writer.js';
import type { ColumnInfo, TableInfo } from '../store/types.js';
import { guardOutput, imageFormat, writeDrawing } from './image-output.js';
import { checkWriterOptions } from './writer-options.js';

const NAME = 'er-diagram';
const FONT = 'DejaVu Sans';

/** Graphviz, loaded on first use (its WebAssembly module is a few megabytes). */
let graphviz: Promise<{ dot(source: string, format?: 'svg'): string }> | undefined;

/** The options, checked: `prefix` any text, `maxColumns` a whole number ≥ 1. */
function erOptions(options: Readonly<Record<string, unknown>> | undefined): { prefix: string; maxColumns: number } {
  const prefix = options?.['prefix'] ?? '';
  if (typeof prefix !== 'string') throw new StoreError('E_BAD_ARGUMENT', (o) => `the ${NAME} writer's ${o('prefix')} must be text, got ${typeof prefix}`);
  const raw = options?.['maxColumns'];
  const maxColumns = raw === undefined ? Infinity : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof maxColumns !== 'number' || !(Number.isInteger(maxColumns) || maxColumns === Infinity) || maxColumns < 1) {
    throw new StoreError('E_BAD_ARGUMENT', (o) => `the ${NAME} writer's ${o('maxColumns')} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  }
  return { prefix, maxColumns };
}

/** A DOT string literal. */
const quoted = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The columns a table's box lists: key columns first (in table order), then the others, up to `max`. */
function shownColumns(table: TableInfo, max: number, referenced: ReadonlySet<string>): { shown: ColumnInfo[]; hidden: number } {
  if (table.columns.length <= max) return { shown: [...table.columns], hidden: 0 };
  const isKey = (c: ColumnInfo) => c.primaryKey || table.foreignKeys.some((f) => f.column.toLowerCase() === c.name.toLowerCase()) || referenced.has(`${table.name}\u0000${c.name}`.toLowerCase());
  const keys = table.columns.filter(isKey);
  const others = table.columns.filter((c) => !isKey(c)).slice(0, Math.max(0, max - keys.length));
  const chosen = new Set([...keys, ...others]);
  const shown = table.columns.filter((c) => chosen.has(c));
  return { shown, hidden: table.columns.length - shown.length };
}

/**
 * The Graphviz source of the diagram of `tables` (already filtered): one HTML-like table per
 * store table, a port per column, an edge per foreign key between tables drawn.
 */
export function erDiagramDot(tables: readonly TableInfo[], maxColumns = Infinity): string {
  const byName = new Map(tables.map((t) => [t.name.toLowerCase(), t]));
  const referenced = new Set<string>();
  for (const t of tables) for (const fk of t.foreignKeys) referenced.add(`${byName.get(fk.refTable.toLowerCase())?.name ?? fk.refTable}\u0000${fk.refColumn}`.toLowerCase());
  const lines = [
    'digraph dsi {',
    `  graph [rankdir=LR, fontname=${quoted(FONT)}, nodesep=0.4, ranksep=0.9, bgcolor=white, pad=0.2];`,
    `  node [shape=plain, fontname=${quoted(FONT)}, fontsize=11];`,
    `  edge [fontname=${quoted(FONT)}, color="#4a6a8a", arrowhead=normal, arrowsize=0.8];`,
  ];
  tables.forEach((t, i) => {
    const fkColumns = new Set(t.foreignKeys.map((f) => f.column.toLowerCase()));
    const { shown, hidden } = shownColumns(t, maxColumns, referenced);
    const rows = shown.map((c) => {
      const marks = [c.primaryKey ? 'PK' : '', fkColumns.has(c.name.toLowerCase()) ? 'FK' : ''].filter((m) => m !== '').join(' ');
      const name = c.primaryKey ? `<b>${escapeHtml(c.name)}</b>` : escapeHtml(c.name);
      // Arrows leave a column from its last cell (east) and arrive at its first (west).
      const n = t.columns.indexOf(c);
      return `<tr><td port="in${n}" align="left">${name}  </td><td align="left"><font color="#555555">${escapeHtml(c.declaredType || c.type)}</font></td><td port="out${n}" align="left">${marks === '' ? '' : `<font color="#9a3412">${marks}</font>`}</td></tr>`;
    });
    if (hidden > 0) rows.push(`<tr><td colspan="3" align="left"><i><font color="#777777">… ${hidden} more column${hidden === 1 ? '' : 's'}</font></i></td></tr>`);
    if (t.columns.length === 0) rows.push('<tr><td colspan="3"><i>no columns</i></td></tr>');
    const label = `<table border="1" cellborder="0" cellspacing="0" cellpadding="4" color="#4a6a8a"><tr><td colspan="3" bgcolor="#dbe7f3" align="center"><b>${escapeHtml(t.name)}</b></td></tr>${rows.join('')}</table>`;
    lines.push(`  t${i} [label=<${label}>];`);
  });
  const index = new Map(tables.map((t, i) => [t.name.toLowerCase(), i]));
  tables.forEach((t, i) => {
    for (const fk of t.foreignKeys) {
      const j = index.get(fk.refTable.toLowerCase());
      if (j === undefined) continue; // the referenced table is not drawn (prefix)
      const target = tables[j]!;
      const from = t.columns.findIndex((c) => c.name.toLowerCase() === fk.column.toLowerCase());
      const to = target.columns.findIndex((c) => c.name.toLowerCase() === fk.refColumn.toLowerCase());
      lines.push(`  t${i}${from < 0 ? '' : `:out${from}:e`} -> t${j}${to < 0 ? '' : `:in${to}:w`};`);
    }
  });
  lines.push('}', '');
  return lines.join('\n');
}

export const erDiagramWriter: Writer = {
  name: NAME,
  extensions: [],
  description: 'the store as an entity-relationship diagram: tables, columns, types, primary and foreign keys (.png, .svg, .dot)',
  options: { prefix: 'TEXT (only tables whose names start with it)', maxColumns: 'N (columns shown per table)' },
  input: 'store',
  async write(file: string, _columns: readonly string[], _batches: AsyncIterable<unknown>, context?: WriteContext) {
    checkWriterOptions(erDiagramWriter, context?.options);
    const { prefix, maxColumns } = erOptions(context?.options);
    const format = imageFormat(file, NAME, ['png', 'svg', 'dot'] as const);
    const guard = guardOutput(file, context);
    if (context?.tables === undefined) throw new StoreError('E_BAD_ARGUMENT', `the ${NAME} writer draws a store's tables; it was given none`);
    const all = await context.tables();
    const tables = all.filter((t) => t.name.toLowerCase().startsWith(prefix.toLowerCase()));
    if (tables.length === 0) {
      throw new StoreError('E_BAD_ARGUMENT', (o) => (all.length === 0 ? `the store has no tables to draw in ${file}` : `no table's name starts with ${o('prefix')} "${prefix}" (tables: ${all.map((t) => t.name).join(', ')})`));
    }
    const dot = erDiagramDot(tables, maxColumns);
    let content = dot;
    if (format !== 'dot') {
      const gv = await (graphviz ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load()));
      // Graphviz sizes the drawing in points; as pixels (one per point, its own coordinates) the
      // PNG comes out at twice that size, as every plot's does.
      content = gv.dot(dot, 'svg').replace(/<svg width="([\d.]+)pt" height="([\d.]+)pt"/, '<svg width="$1px" height="$2px"');
    }
    await writeDrawing(file, guard, format, content, NAME);
    return { rows: tables.length };
  },
};
