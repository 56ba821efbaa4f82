/**
 * SHAP explanations: the list (what was explained, by which run, base value → prediction), and the
 * chosen one (`#/explanations?id=ID`) as a bar chart of its values after the base value, a table of
 * the values (largest magnitude first, with their sum = prediction − base value), and for an image
 * its heat map (red raised the output, blue lowered it) with the colour scale and its magnitudes.
 */
import { html, nothing, render } from 'lit-html';
import { apiUrl, fileUrl, getJson } from '../api.js';
import { failureView } from '../components/failure.js';
import { formatTime, formatValue } from '../components/format.js';
import { href, type Route } from '../router.js';
import './run-pages.css';

interface Summary {
  explanation_id: string;
  run_id: string;
  target: string;
  method: string | null;
  output: string | null;
  base_value: number;
  prediction: number;
  FILE_heatmap: string | null;
  features: number;
  max_abs: number;
  created_at: string;
}

interface Detail {
  explanation: Summary;
  values: { feature: string; value: number }[];
  sum: number;
}

const MAX_TABLE = 50;

export async function mount(host: HTMLElement, route: Route): Promise<void> {
  // Rendered into a child of its own: the page element was rendered into before (\"Loading…\") and then emptied.
  const view = host.appendChild(document.createElement('div'));
  const run = route.query.get('run') ?? '';
  const { explanations } = await getJson<{ explanations: Summary[] }>('/explanations', { run });
  const id = route.query.get('id') ?? explanations[0]?.explanation_id;
  let detail: Detail | undefined;
  let failure: unknown;
  if (id !== undefined) {
    try {
      detail = await getJson<Detail>(`/explanations/${encodeURIComponent(id)}`);
    } catch (e) {
      failure = e;
    }
  }
  const e = detail?.explanation;
  render(
    html`<h1>Explanations</h1>
      ${run === '' ? nothing : html`<p>Of run <a href=${href(`runs/${encodeURIComponent(run)}`)}>${run}</a> · <a href=${href('explanations')}>all runs</a></p>`}
      ${failure === undefined ? nothing : failureView(failure)}
      ${explanations.length === 0 ? html`<p class="muted">No explanations yet: run <code>dsi ml explain</code>.</p>` : nothing}
      ${e === undefined || detail === undefined
        ? nothing
        : html`<div class="card" data-explanation=${e.explanation_id}>
            <h2>${e.target} <span class="muted">· ${e.run_id} · ${e.method ?? ''} ${e.output === null ? '' : `· output ${e.output}`}</span></h2>
            <p>base value <strong>${formatValue(e.base_value)}</strong> + Σ SHAP values <strong>${formatValue(detail.sum)}</strong> = prediction <strong>${formatValue(e.prediction)}</strong></p>
            <div class="chart-row">
              <img class="chart" data-chart="shap" alt="SHAP values" src=${apiUrl(`/explanations/${encodeURIComponent(e.explanation_id)}/values.svg`)} />
              ${e.FILE_heatmap === null
                ? nothing
                : html`<div class="heatmap">
                    <div>
                      <img alt="heat map of the SHAP values over the image" src=${fileUrl(e.FILE_heatmap)} />
                      <div class="scale" aria-label="colour scale">
                        <div class="bar"></div>
                        <div class="ticks"><span>−${formatValue(e.max_abs)}</span><span>0</span><span>+${formatValue(e.max_abs)}</span></div>
                        <p class="note">Red raised the output, blue lowered it; the tint's strength is |value| / ${formatValue(e.max_abs)}.</p>
                      </div>
                    </div>
                  </div>`}
            </div>
            <div class="table-wrap"><table class="rows shap-values">
              <thead><tr><th>feature</th><th>SHAP value</th></tr></thead>
              <tbody>${detail.values.slice(0, MAX_TABLE).map((v) => html`<tr><td>${v.feature}</td><td style="color: ${v.value >= 0 ? 'var(--bad)' : 'var(--accent)'}">${formatValue(v.value)}</td></tr>`)}</tbody>
            </table></div>
            ${detail.values.length > MAX_TABLE ? html`<p class="note">${detail.values.length - MAX_TABLE} smaller values not listed.</p>` : nothing}
          </div>`}
      ${explanations.length === 0
        ? nothing
        : html`<div class="table-wrap"><table class="rows explanation-list">
            <thead><tr><th>explanation</th><th>run</th><th>target</th><th>method</th><th>base</th><th>prediction</th><th>features</th><th>created</th></tr></thead>
            <tbody>${explanations.map(
              (x) => html`<tr class=${x.explanation_id === id ? 'differs' : ''}><td><a href=${href('explanations', { run, id: x.explanation_id })}>${x.explanation_id}</a></td><td>${x.run_id}</td><td>${x.target}</td><td>${x.method ?? ''}</td><td>${formatValue(x.base_value)}</td><td>${formatValue(x.prediction)}</td><td>${x.features}</td><td>${formatTime(x.created_at)}</td></tr>`,
            )}</tbody>
          </table></div>`}`,
    view,
  );
}
