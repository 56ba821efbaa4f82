/** A progress bar coloured by a run's state, with its fraction as the accessible value. */
import { html, type TemplateResult } from 'lit-html';

export function progressBar(done: number, total: number | null, state: string): TemplateResult {
  const fraction = total === null || total <= 0 ? (state === 'running' ? 0 : 1) : Math.min(1, done / total);
  return html`<div class="progress ${state}" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(fraction * 100)} title=${`${done} of ${total ?? '?'} epochs`}><span style="width: ${(fraction * 100).toFixed(1)}%"></span></div>`;
}
