/**
 * The `index.html` a Cinema database folder gets beside its `data.csv`: a viewer of its own that
 * works opened straight from disk (file://), where a browser refuses to fetch data.csv. The rows
 * are embedded in the page as JSON inside `<script type="application/json">` (with `<`, `>` and
 * `&` escaped, so no value can end the element); the images are loaded by their paths relative to
 * the folder. Parameter columns become filters (two range sliders for a numeric column, a select
 * for any other), and the matching rows are shown as an image grid, a page at a time.
 *
 * Guarantees: one file, no request beyond the database's own files (no external script, style or
 * font); the inline script builds the page with `textContent` and attributes only (never HTML
 * from data); a FILE value is loaded as an image only when it is a relative path inside the
 * folder or an http(s) URL, and anything else is shown as text.
 */
import { escapeHtml, jsonForScript } from '../html-escape.js';

/** The viewer's file name inside the database folder. */
export const CINEMA_VIEWER_NAME = 'index.html';

/** What the viewer shows: data.csv's header and rows, and which columns hold files. */
export interface CinemaViewerData {
  readonly title: string;
  readonly columns: readonly string[];
  readonly fileColumns: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

const STYLE = `
:root{--fg:#1d232a;--muted:#66707a;--line:#d9dee3;--bg:#f6f7f9;--accent:#1f6feb}
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',sans-serif;color:var(--fg);background:var(--bg)}
header{padding:.6rem 1.25rem;background:#111820;color:#fff}header h1{font-size:1.15rem;margin:0}header p{margin:0;color:#8b949e;font-size:12px}
.layout{display:grid;grid-template-columns:280px 1fr;gap:1rem;padding:1rem 1.25rem}
aside{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.75rem;align-self:start;position:sticky;top:.5rem;max-height:calc(100vh - 1rem);overflow:auto}
aside h2{font-size:.95rem;margin:.25rem 0 .5rem}.filter{margin-bottom:.8rem}.filter label{display:block;font-weight:600;margin-bottom:.15rem;word-break:break-all}
.filter input[type=range]{width:100%}.filter select{width:100%}.range-values{color:var(--muted);font-size:12px}
.toolbar{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap;margin-bottom:.75rem}
.grid{display:grid;gap:.6rem}
.item{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.4rem;overflow:hidden}
.item img{display:block;width:100%;image-rendering:pixelated;background:#fff}
.item dl{margin:.3rem 0 0;font-size:11px;display:grid;grid-template-columns:auto 1fr;gap:0 .4rem}
.item dt{color:var(--muted)}.item dd{margin:0;word-break:break-all}
.muted{color:var(--muted)}button{font:inherit;padding:.3rem .8rem;border:1px solid var(--line);border-radius:5px;background:#fff;cursor:pointer}
@media (max-width:700px){.layout{grid-template-columns:1fr}aside{position:static;max-height:none}}
`;

/** The viewer's script: reads the embedded rows, builds the filters and the grid. */
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('cinema-data').textContent);
  var columns = data.columns, rows = data.rows, fileSet = {};
  data.fileColumns.forEach(function (c) { fileSet[c] = true; });
  var PAGE = 120, MAX_OPTIONS = 500;
  var shown = PAGE;
  var params = columns.map(function (c, i) { return { name: c, index: i }; }).filter(function (p) { return !fileSet[p.name]; });
  var files = columns.map(function (c, i) { return { name: c, index: i }; }).filter(function (p) { return fileSet[p.name]; });
  var filters = [];
  var el = function (tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  };
  var isNumber = function (v) { return typeof v === 'number' && isFinite(v); };
  var asText = function (v) { return v === null || v === undefined ? '' : String(v); };
  /* Numbers as they read best: whole numbers as they are, others to four significant digits. */
  var shortText = function (v) { return isNumber(v) && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : asText(v); };
  var IMAGE = /\\.(png|jpe?g|gif|webp|bmp|svg|avif)$/i;
  /* A FILE value as a URL to load, or null: relative paths inside the folder and http(s) URLs only. */
  var fileUrl = function (v) {
    if (typeof v !== 'string' || v === '') return null;
    if (/^https?:\\/\\//i.test(v)) return v;
    if (/^[a-z][a-z0-9+.-]*:/i.test(v) || v.charAt(0) === '/' || v.charAt(0) === '\\\\') return null;
    var parts = v.split('/');
    if (parts.some(function (p) { return p === '..'; })) return null;
    return parts.map(encodeURIComponent).join('/');
  };
  var aside = document.getElementById('filters');
  params.forEach(function (p) {
    var values = rows.map(function (r) { return r[p.index]; }).filter(function (v) { return v !== null && v !== ''; });
    var box = el('div', { 'class': 'filter' });
    var id = 'f' + p.index;
    box.appendChild(el('label', { 'for': id }, p.name));
    if (values.length > 0 && values.every(isNumber)) {
      var sorted = values.slice().sort(function (a, b) { return a - b; });
      var distinct = sorted.filter(function (v, i) { return i === 0 || v !== sorted[i - 1]; });
      var lo = el('input', { type: 'range', id: id, min: '0', max: String(distinct.length - 1), step: '1', value: '0', 'aria-label': p.name + ' from' });
      var hi = el('input', { type: 'range', min: '0', max: String(distinct.length - 1), step: '1', value: String(distinct.length - 1), 'aria-label': p.name + ' to' });
      var shownRange = el('div', { 'class': 'range-values' });
      var f = { index: p.index, test: null };
      if (distinct.length === 1) { lo.hidden = true; hi.hidden = true; }
      var update = function () {
        var a = Math.min(Number(lo.value), Number(hi.value)), b = Math.max(Number(lo.value), Number(hi.value));
        var from = distinct[a], to = distinct[b];
        shownRange.textContent = from === to ? shortText(from) : shortText(from) + ' to ' + shortText(to);
        f.test = a === 0 && b === distinct.length - 1 ? null : function (v) { return isNumber(v) && v >= from && v <= to; };
      };
      update();
      [lo, hi].forEach(function (s) { s.addEventListener('input', function () { update(); shown = PAGE; draw(); }); });
      box.appendChild(lo); box.appendChild(hi); box.appendChild(shownRange);
      filters.push(f);
    } else {
      var counts = {};
      values.forEach(function (v) { var k = asText(v); counts[k] = (counts[k] || 0) + 1; });
      var keys = Object.keys(counts).sort();
      var g = { index: p.index, test: null };
      if (keys.length <= MAX_OPTIONS) {
        var select = el('select', { id: id });
        select.appendChild(el('option', { value: '' }, 'all (' + keys.length + ')'));
        keys.forEach(function (k) { select.appendChild(el('option', { value: 'v' + k }, k + ' (' + counts[k] + ')')); });
        select.addEventListener('change', function () {
          var want = select.value === '' ? null : select.value.slice(1);
          g.test = want === null ? null : function (v) { return asText(v) === want; };
          shown = PAGE; draw();
        });
        box.appendChild(select);
      } else {
        var input = el('input', { id: id, type: 'search', placeholder: 'contains…' });
        input.addEventListener('input', function () {
          var want = input.value.toLowerCase();
          g.test = want === '' ? null : function (v) { return asText(v).toLowerCase().indexOf(want) >= 0; };
          shown = PAGE; draw();
        });
        box.appendChild(input);
      }
      filters.push(g);
    }
    aside.appendChild(box);
  });
  if (params.length === 0) aside.appendChild(el('p', { 'class': 'muted' }, 'No parameter columns.'));
  var grid = document.getElementById('grid');
  var count = document.getElementById('count');
  var more = document.getElementById('more');
  var size = document.getElementById('size');
  more.addEventListener('click', function () { shown += PAGE; draw(); });
  size.addEventListener('input', function () { grid.style.gridTemplateColumns = 'repeat(auto-fill, minmax(' + size.value + 'px, 1fr))'; });
  grid.style.gridTemplateColumns = 'repeat(auto-fill, minmax(' + size.value + 'px, 1fr))';
  function draw() {
    var matching = rows.filter(function (r) { return filters.every(function (f) { return f.test === null || f.test(r[f.index]); }); });
    count.textContent = matching.length + ' of ' + rows.length + ' rows';
    grid.replaceChildren();
    matching.slice(0, shown).forEach(function (r) {
      var item = el('div', { 'class': 'item' });
      files.forEach(function (f) {
        var value = r[f.index];
        var url = fileUrl(value);
        if (url !== null && IMAGE.test(value)) item.appendChild(el('img', { src: url, alt: asText(value), loading: 'lazy', title: f.name + ': ' + asText(value) }));
        else if (url !== null) item.appendChild(el('a', { href: url }, asText(value)));
        else if (value !== null && value !== '') item.appendChild(el('div', { 'class': 'muted' }, asText(value)));
      });
      var dl = el('dl');
      params.forEach(function (p) { dl.appendChild(el('dt', null, p.name)); dl.appendChild(el('dd', { title: asText(r[p.index]) }, shortText(r[p.index]))); });
      item.appendChild(dl);
      grid.appendChild(item);
    });
    more.hidden = matching.length <= shown;
  }
  draw();
})();
`;

/** The viewer page of a Cinema database holding `data`. */
export function cinemaViewerHtml(data: CinemaViewerData): string {
  const embedded = jsonForScript({ columns: data.columns, fileColumns: data.fileColumns, rows: data.rows });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src * data: file:">
<title>${escapeHtml(data.title)} · Cinema database</title>
<style>${STYLE}</style></head>
<body>
<header><h1>${escapeHtml(data.title)}</h1><p>Cinema database: ${data.rows.length} rows; data.csv beside this page holds the same rows.</p></header>
<div class="layout">
<aside id="filters"><h2>Filters</h2></aside>
<section>
<div class="toolbar"><strong id="count"></strong><label>image size <input id="size" type="range" min="60" max="400" value="140"></label></div>
<div id="grid" class="grid"></div>
<p><button id="more" type="button" hidden>Show more</button></p>
</section>
</div>
<noscript><p>This viewer needs JavaScript; data.csv beside this page lists the rows.</p></noscript>
<script type="application/json" id="cinema-data">${embedded}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
