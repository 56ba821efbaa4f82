/**
 * A table of rows: column headers (clickable to sort when `onSort` is given), cells formatted,
 * FILE cells that are images shown as thumbnails linking to the file.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { fileUrl } from '../api.js';
import { formatValue } from './format.js';

export interface RowsTableOptions {
  readonly sort?: { readonly column: string; readonly descending: boolean } | undefined;
  readonly onSort?: (column: string) => void;
  /** The URL of a FILE cell's file (default: a file of the store). */
  readonly fileUrl?: (value: string) => string;
}

const IMAGE = /\.(png|jpe?g|gif|webp|svg)$/i;

export function rowsTable(columns: readonly string[], rows: readonly Readonly<Record<string, unknown>>[], options: RowsTableOptions = {}): TemplateResult {
  const url = options.fileUrl ?? fileUrl;
  const cell = (column: string, v: unknown): TemplateResult | string => {
    if (/^FILE/i.test(column) && typeof v === 'string' && v !== '') {
      return IMAGE.test(v) ? html`<a href=${url(v)} target="_blank" rel="noopener"><img class="thumb" loading="lazy" src=${url(v)} alt=${v} title=${v} /></a>` : html`<a href=${url(v)} target="_blank" rel="noopener">${v}</a>`;
    }
    return formatValue(v);
  };
  const arrow = (c: string): string => (options.sort?.column === c ? (options.sort.descending ? ' ▼' : ' ▲') : '');
  return html`<div class="table-wrap"><table class="rows">
    <thead><tr>${columns.map((c) => html`<th>${options.onSort ? html`<button class="link" @click=${() => options.onSort!(c)}>${c}${arrow(c)}</button>` : c}</th>`)}</tr></thead>
    <tbody>${rows.length === 0 ? html`<tr><td colspan=${columns.length || 1} class="muted">no rows</td></tr>` : nothing}${rows.map((r) => html`<tr>${columns.map((c) => html`<td>${cell(c, r[c])}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}
