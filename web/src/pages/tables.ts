/** The tables page. */
import { html, render } from 'lit-html';
import type { Route } from '../router.js';

export function mount(host: HTMLElement, route: Route): void {
  void route;
  render(html`<h1>tables</h1><p class="muted">Not built yet.</p>`, host);
}
