/**
 * A run's lineage as a graph (`#/lineage/ID`): the data, the chain of parent runs, the run, its
 * descendants, and beside each run its predictions, evaluations and reviews, laid out by the
 * server (lineage-graph.ts) and drawn here as SVG; run nodes link to their pages.
 */
import { html, nothing, render, svg, type SVGTemplateResult } from 'lit-html';
import { getJson } from '../api.js';
import { href, type Route } from '../router.js';
import './run-pages.css';

interface GraphNode {
  id: string;
  type: 'data' | 'run' | 'predictions' | 'evaluations' | 'reviews';
  label: string;
  detail: string[];
  run_id?: string;
  current?: boolean;
  state?: string;
  col: number;
  row: number;
}

interface Graph {
  nodes: GraphNode[];
  edges: { from: string; to: string; label?: string }[];
  columns: number;
  rows: number;
}

const W = 230;
const H = 78;
const GAP_X = 60;
const GAP_Y = 22;
const PAD = 16;
/** Room above the first row for edges that arc over a column (a parent to its child). */
const TOP = 40;

const x = (col: number): number => PAD + col * (W + GAP_X);
const y = (row: number): number => TOP + row * (H + GAP_Y);

function nodeView(n: GraphNode): SVGTemplateResult {
  const body = svg`<g class="node ${n.type} ${n.current ? 'current' : ''}" data-node=${n.id} transform="translate(${x(n.col)}, ${y(n.row)})">
    <rect width=${W} height=${H} rx="6"></rect>
    <text class="label" x="10" y="18">${n.label.length > 34 ? `${n.label.slice(0, 33)}…` : n.label}</text>
    ${n.detail.slice(0, 3).map((line, i) => svg`<text x="10" y=${36 + i * 15}>${line.length > 33 ? `${line.slice(0, 32)}…` : line}</text>`)}
    <title>${[n.label, ...n.detail].join('\n')}</title>
  </g>`;
  return n.type === 'run' && n.run_id !== undefined ? svg`<a href=${href(`runs/${encodeURIComponent(n.run_id)}`)}>${body}</a>` : body;
}

export async function mount(host: HTMLElement, route: Route): Promise<void> {
  // Rendered into a child of its own: the page element was rendered into before (\"Loading…\") and then emptied.
  const view = host.appendChild(document.createElement('div'));
  const runId = route.params['run']!;
  const { graph } = await getJson<{ graph: Graph }>(`/lineage/${encodeURIComponent(runId)}`);
  const at = new Map(graph.nodes.map((n) => [n.id, n]));
  const width = PAD * 2 + graph.columns * W + (graph.columns - 1) * GAP_X;
  const height = TOP + PAD + graph.rows * H + (graph.rows - 1) * GAP_Y;
  const edges = graph.edges.map((e) => {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    if (b.col - a.col > 1) {
      // Over the column between (the parent's results): from the top of one to the top of the other.
      const x1 = x(a.col) + W / 2;
      const x2 = x(b.col) + W / 2;
      const y1 = y(a.row);
      const y2 = y(b.row);
      const top = Math.min(y1, y2) - TOP + 8;
      return svg`<path class="edge" marker-end="url(#arrow)" d="M${x1},${y1} C${x1},${top} ${x2},${top} ${x2},${y2}"></path>
        ${e.label === undefined ? nothing : svg`<text class="edge-label" x=${(x1 + x2) / 2} y=${top + 12} text-anchor="middle">${e.label}</text>`}`;
    }
    const x1 = x(a.col) + W;
    const y1 = y(a.row) + H / 2;
    const x2 = x(b.col);
    const y2 = y(b.row) + H / 2;
    const mid = (x1 + x2) / 2;
    return svg`<path class="edge" marker-end="url(#arrow)" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}"></path>
      ${e.label === undefined ? nothing : svg`<text class="edge-label" x=${mid} y=${(y1 + y2) / 2 - 4} text-anchor="middle">${e.label}</text>`}`;
  });
  render(
    html`<h1>Lineage of <a href=${href(`runs/${encodeURIComponent(runId)}`)}>${runId}</a></h1>
      <p class="note">Data → runs (parents first) → descendants; beside each run its predictions, evaluations and reviews. Click a run to open it.</p>
      <div class="table-wrap">
        <svg class="lineage" width=${width} height=${height} viewBox="0 0 ${width} ${height}" role="img" aria-label=${`lineage of ${runId}`}>
          <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8c959f"></path></marker></defs>
          ${edges}
          ${graph.nodes.map(nodeView)}
        </svg>
      </div>`,
    view,
  );
}
