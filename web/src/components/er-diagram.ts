/**
 * The store's relations as an entity-relationship diagram in SVG (lit-html's `svg`, so every name
 * is escaped): tables as boxes listing their columns (primary keys marked PK, foreign keys FK),
 * and a line from each foreign key to the column it references (dashed for the links the run
 * registry keeps by its own rules, which the database does not declare). Tables joined by keys are laid out
 * in layers, a referenced table left of the tables that reference it (the longest chain of
 * references decides the layer); tables without keys follow in a grid below.
 */
import { svg, type SVGTemplateResult } from 'lit-html';
import type { SchemaEdge, SchemaTable, StoreSchema } from './store-types.js';

const BOX_W = 200;
const HEAD = 24;
const ROW = 17;
const GAP_X = 90;
const GAP_Y = 24;
/** Columns listed per box; keys are always listed, the rest up to this many. */
const MAX_ROWS = 12;

interface Box {
  readonly table: SchemaTable;
  readonly shown: readonly string[];
  readonly hidden: number;
  x: number;
  y: number;
  readonly height: number;
}

const lower = (s: string): string => s.toLowerCase();

function boxOf(table: SchemaTable): Box {
  const keys = table.columns.filter((c) => c.primaryKey || c.references !== null).map((c) => c.name);
  const others = table.columns.filter((c) => !keys.includes(c.name)).map((c) => c.name);
  const room = Math.max(0, MAX_ROWS - keys.length);
  const shown = table.columns.map((c) => c.name).filter((n) => keys.includes(n) || others.slice(0, room).includes(n));
  const hidden = table.columns.length - shown.length;
  return { table, shown, hidden, x: 0, y: 0, height: HEAD + ROW * (shown.length + (hidden > 0 ? 1 : 0)) + 6 };
}

/** Each connected table's layer: 0 for one that references nothing, else one more than what it references. */
function layers(names: readonly string[], edges: readonly SchemaEdge[]): Map<string, number> {
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const of = (t: string): number => {
    const known = layer.get(t);
    if (known !== undefined) return known;
    if (visiting.has(t)) return 0; // a cycle: break it here
    visiting.add(t);
    const refs = edges.filter((e) => lower(e.table) === t && lower(e.refTable) !== t).map((e) => of(lower(e.refTable)) + 1);
    visiting.delete(t);
    const l = Math.max(0, ...refs);
    layer.set(t, l);
    return l;
  };
  for (const n of names) of(n);
  return layer;
}

/** The y of column `column`'s row inside `box` (its middle), or the header's when it is not listed. */
function rowY(box: Box, column: string): number {
  const i = box.shown.findIndex((c) => lower(c) === lower(column));
  return box.y + (i < 0 ? HEAD / 2 : HEAD + ROW * i + ROW / 2 + 2);
}

/** The diagram of `schema` (the tables `include` keeps), with its size. */
export function erDiagram(schema: StoreSchema, include: (t: SchemaTable) => boolean = () => true): { readonly width: number; readonly height: number; readonly drawing: SVGTemplateResult } {
  const tables = schema.tables.filter(include);
  const names = new Set(tables.map((t) => lower(t.name)));
  const edges = schema.edges.filter((e) => names.has(lower(e.table)) && names.has(lower(e.refTable)));
  const joined = new Set(edges.flatMap((e) => [lower(e.table), lower(e.refTable)]));
  const boxes = new Map(tables.map((t) => [lower(t.name), boxOf(t)]));
  const layer = layers([...joined], edges);
  // Each group of tables joined by keys gets its own band, one below the other (the store's own
  // tables before the run registry's), laid out in layers inside it.
  const group = new Map<string, string>();
  const root = (t: string): string => {
    let r = t;
    while ((group.get(r) ?? r) !== r) r = group.get(r)!;
    return r;
  };
  for (const t of joined) group.set(t, t);
  for (const e of edges) group.set(root(lower(e.table)), root(lower(e.refTable)));
  const bands = new Map<string, SchemaTable[]>();
  for (const t of tables) {
    const key = lower(t.name);
    if (!joined.has(key)) continue;
    bands.set(root(key), [...(bands.get(root(key)) ?? []), t]);
  }
  const ordered = [...bands.values()].sort((a, b) => Number(a.every((t) => t.registry)) - Number(b.every((t) => t.registry)) || b.length - a.length);
  let width = 0;
  let height = 0;
  let layersWide = 0;
  for (const band of ordered) {
    const top = height === 0 ? 10 : height + GAP_Y;
    const columnsHeight: number[] = [];
    for (const t of band) {
      const key = lower(t.name);
      const box = boxes.get(key)!;
      const l = layer.get(key) ?? 0;
      box.x = 10 + l * (BOX_W + GAP_X);
      box.y = top + (columnsHeight[l] ?? 0);
      columnsHeight[l] = (columnsHeight[l] ?? 0) + box.height + GAP_Y;
      width = Math.max(width, box.x + BOX_W + 10);
      height = Math.max(height, box.y + box.height + 10);
    }
    layersWide = Math.max(layersWide, columnsHeight.length);
  }
  // Tables without keys: a grid below, rows as wide as the layers (at least four boxes).
  const loose = tables.filter((t) => !joined.has(lower(t.name))).map((t) => boxes.get(lower(t.name))!);
  const perRow = Math.max(4, layersWide);
  let top = height === 0 ? 10 : height + GAP_Y;
  for (let i = 0; i < loose.length; i += perRow) {
    const row = loose.slice(i, i + perRow);
    row.forEach((box, j) => {
      box.x = 10 + j * (BOX_W + GAP_Y);
      box.y = top;
      width = Math.max(width, box.x + BOX_W + 10);
    });
    top += Math.max(...row.map((b) => b.height)) + GAP_Y;
    height = top;
  }
  const lines = edges.map((e) => {
    const from = boxes.get(lower(e.table))!;
    const to = boxes.get(lower(e.refTable))!;
    const y1 = rowY(from, e.column);
    const y2 = rowY(to, e.refColumn);
    let d: string;
    if (from === to || from.x === to.x) {
      const x = from.x + BOX_W;
      d = `M ${x} ${y1} C ${x + 50} ${y1}, ${x + 50} ${y2}, ${x} ${y2}`;
    } else if (to.x < from.x) {
      const x1 = from.x;
      const x2 = to.x + BOX_W;
      d = `M ${x1} ${y1} C ${x1 - GAP_X / 2} ${y1}, ${x2 + GAP_X / 2} ${y2}, ${x2} ${y2}`;
    } else {
      const x1 = from.x + BOX_W;
      const x2 = to.x;
      d = `M ${x1} ${y1} C ${x1 + GAP_X / 2} ${y1}, ${x2 - GAP_X / 2} ${y2}, ${x2} ${y2}`;
    }
    return svg`<path class="er-edge" d=${d} fill="none" stroke=${e.implied ? '#8250df' : '#1f6feb'} stroke-width="1.5" stroke-dasharray=${e.implied ? '5 3' : 'none'} marker-end=${e.implied ? 'url(#er-arrow-implied)' : 'url(#er-arrow)'}><title>${e.table}.${e.column} → ${e.refTable}.${e.refColumn}${e.implied ? ' (kept by the run registry, not a declared key)' : ''}</title></path>`;
  });
  const drawBox = (box: Box): SVGTemplateResult => {
    const t = box.table;
    const fill = t.registry ? '#f4f0ff' : t.catalog ? '#f3f4f6' : '#eef6ff';
    return svg`<g class="er-table" data-table=${t.name}>
      <rect x=${box.x} y=${box.y} width=${BOX_W} height=${box.height} rx="5" fill="#fff" stroke="#8c959f" />
      <rect x=${box.x} y=${box.y} width=${BOX_W} height=${HEAD} rx="5" fill=${fill} stroke="#8c959f" />
      <a href=${`#/tables/${encodeURIComponent(t.name)}`}><text x=${box.x + 8} y=${box.y + 16} font-weight="700" fill="#1d232a">${t.name}</text></a>
      ${box.shown.map((name, i) => {
        const c = t.columns.find((col) => col.name === name)!;
        const y = box.y + HEAD + ROW * i + ROW / 2 + 6;
        const mark = c.primaryKey ? 'PK' : c.references !== null ? 'FK' : '';
        return svg`<text x=${box.x + 8} y=${y} fill=${mark === 'PK' ? '#9a6700' : '#1f6feb'} font-size="10" font-weight="700">${mark}</text>
          <text x=${box.x + 30} y=${y} fill="#1d232a">${name.length > 20 ? `${name.slice(0, 19)}…` : name}<title>${name} (${c.declaredType})</title></text>
          <text x=${box.x + BOX_W - 8} y=${y} text-anchor="end" fill="#66707a" font-size="11">${c.type}</text>`;
      })}
      ${box.hidden > 0 ? svg`<text x=${box.x + 30} y=${box.y + HEAD + ROW * box.shown.length + ROW / 2 + 6} fill="#66707a" font-size="11">… ${box.hidden} more</text>` : svg``}
    </g>`;
  };
  const drawing = svg`<defs><marker id="er-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#1f6feb" /></marker>
      <marker id="er-arrow-implied" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8250df" /></marker></defs>
    ${[...boxes.values()].map(drawBox)}${lines}`;
  return { width: Math.max(width, 200), height: Math.max(height, 40), drawing };
}
