/**
 * Rows as an HTML table that pages without scripts: the rows are cut into pages of `pageSize`,
 * and a row of radio buttons chooses the page shown, by CSS alone. Viewers that strip the buttons
 * or the style (an untrusted notebook, a sanitising renderer) show every page one after the other,
 * never none. At most `maxRows` rows are embedded; a line says how many there are in all.
 */
import crypto from 'node:crypto';
import { escapeHtml } from '../../html-escape.js';
import type { Cell } from '../../store/types.js';
import { tableCell, textTable } from '../../text-table.js';
import type { Output } from '../rendering.js';

export interface RowsOutputOptions {
  /** Rows per page (default 20). */
  readonly pageSize: number;
  /** How many rows there are in all, when `rows` is the first part of them. */
  readonly total?: number;
  /** A caption above the table. */
  readonly title?: string;
  /** How to see the rest, added to the "showing N of M" line (`raise maxRows`). */
  readonly more?: string;
}

/** Rows in the plain-text output at most: a terminal is not a place for a thousand lines. */
const TEXT_ROWS = 50;

/** Every column of `rows`, in first-seen order (rows need not share their keys). */
export function columnsOf(rows: readonly object[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function cellHtml(v: unknown): string {
  if (v === null || v === undefined) return '<td class="dsi-null"></td>';
  const numeric = typeof v === 'number' || typeof v === 'bigint';
  const text = tableCell(typeof v === 'object' ? JSON.stringify(v) : (v as Cell | boolean));
  const full = typeof v === 'string' && text !== v ? ` title="${escapeHtml(v.slice(0, 2000))}"` : '';
  return `<td${numeric ? ' class="dsi-num"' : ''}${full}>${escapeHtml(text)}</td>`;
}

/** The note under a table that is not whole, or undefined. */
function shownLine(shown: number, total: number | undefined, more: string | undefined): string | undefined {
  if (total === undefined || total <= shown) return undefined;
  return `showing ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows${more ? `; ${more}` : ''}`;
}

/** `rows` as a paged HTML table and an aligned text table. */
export function rowsOutput(rows: readonly object[], options: RowsOutputOptions): Output {
  const columns = columnsOf(rows);
  const note = shownLine(rows.length, options.total, options.more);
  const textNote = rows.length > TEXT_ROWS ? `showing ${TEXT_ROWS} of ${(options.total ?? rows.length).toLocaleString('en-US')} rows` : note;
  const plain = rows.slice(0, TEXT_ROWS).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v])));
  const text = [options.title, textTable(plain, columns), textNote].filter((s) => s !== undefined).join('\n');
  if (columns.length === 0) return { text, html: `<div class="dsi-rows">${options.title ? `<b>${escapeHtml(options.title)}</b> ` : ''}<i>(no rows)</i></div>` };

  const id = `dsi-${crypto.randomBytes(4).toString('hex')}`;
  const pages: (readonly object[])[] = [];
  for (let i = 0; i < rows.length; i += options.pageSize) pages.push(rows.slice(i, i + options.pageSize));
  if (pages.length === 0) pages.push([]);
  const head = `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body = pages
    .map((page, p) => `<tbody class="dsi-p${p}">${page.map((r) => `<tr>${columns.map((c) => cellHtml((r as Record<string, unknown>)[c])).join('')}</tr>`).join('')}</tbody>`)
    .join('');
  // Page p is hidden only while its own button exists and is not checked.
  const paging = pages.length > 1;
  const css = [
    `#${id} table{border-collapse:collapse;font-size:12px}`,
    `#${id} th,#${id} td{border:1px solid #ddd;padding:2px 6px;text-align:left;max-width:32em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}`,
    `#${id} th{background:#f3f3f3;position:sticky;top:0}`,
    `#${id} td.dsi-num{text-align:right;font-variant-numeric:tabular-nums}`,
    `#${id} .dsi-pager{margin:4px 0;font-size:12px}`,
    `#${id} .dsi-pager label{margin-right:6px;cursor:pointer}`,
    `#${id} .dsi-scroll{overflow-x:auto;max-width:100%}`,
    ...(paging ? pages.flatMap((_, p) => [`#${id}-r${p}:not(:checked)~.dsi-scroll .dsi-p${p}{display:none}`, `#${id}-r${p}:checked~.dsi-pager label[for=${id}-r${p}]{font-weight:bold;text-decoration:underline}`]) : []),
  ].join('');
  const radios = paging ? pages.map((_, p) => `<input type="radio" name="${id}" id="${id}-r${p}"${p === 0 ? ' checked' : ''} style="display:none">`).join('') : '';
  const labels = paging
    ? `<div class="dsi-pager">page ${pages.map((_, p) => `<label for="${id}-r${p}">${p + 1}</label>`).join('')}(${options.pageSize} rows each)</div>`
    : '';
  const caption = options.title ? `<div><b>${escapeHtml(options.title)}</b></div>` : '';
  const noteHtml = note ? `<div class="dsi-note"><i>${escapeHtml(note)}</i></div>` : '';
  const html = `<div id="${id}" class="dsi-rows"><style>${css}</style>${caption}${radios}${labels}<div class="dsi-scroll"><table>${head}${body}</table></div>${noteHtml}</div>`;
  return { text, html };
}
