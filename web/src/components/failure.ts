/** How a page shows what went wrong: the server's message, with its code when there is one. */
import { html, type TemplateResult } from 'lit-html';
import { ApiFailure } from '../api.js';

export function failureView(error: unknown): TemplateResult {
  if (error instanceof ApiFailure) return html`<div class="failure" role="alert"><strong>${error.message}</strong> <span class="muted">(${error.code}, HTTP ${error.status})</span></div>`;
  return html`<div class="failure" role="alert"><strong>${error instanceof Error ? error.message : String(error)}</strong></div>`;
}
