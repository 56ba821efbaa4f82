/** The store's tables as a list: name (linking to the table's page), row and column counts, a gallery link where rows have files. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { href } from '../router.js';
import type { TableEntry } from './store-types.js';

/** `n` with thousands separators. */
export const count = (n: number): string => n.toLocaleString('en');

export function tableList(tables: readonly TableEntry[]): TemplateResult {
  return html`<div class="table-wrap"><table class="rows table-list">
    <thead><tr><th>table</th><th class="num">rows</th><th class="num">columns</th><th></th></tr></thead>
    <tbody>${tables.map((t) => html`<tr>
      <td><a href=${href(`tables/${encodeURIComponent(t.table)}`)}>${t.table}</a>
        ${t.registry ? html`<span class="tag" title="written by the ML workflows">run registry</span>` : nothing}
        ${t.catalog ? html`<span class="tag" title="the store's own bookkeeping">store</span>` : nothing}</td>
      <td class="num">${count(t.rows)}</td><td class="num">${t.columns}</td>
      <td>${t.fileColumns.length > 0 && t.rows > 0 ? html`<a href=${href('gallery', { table: t.table })}>gallery</a>` : nothing}</td>
    </tr>`)}</tbody></table></div>`;
}
