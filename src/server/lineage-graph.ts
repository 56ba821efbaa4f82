/**
 * A run's lineage (`runLineage`) laid out as a graph the page draws: the data the first run
 * trained on, each run of the chain and its descendants, and beside each run its predictions
 * (with how many were accepted), its evaluations and its expert reviews. Accepted predictions a
 * child trained on link the parent's predictions to the child.
 *
 * The layout is a grid: runs in every other column by generation (the data node in column 0),
 * each run's results in the column after it, stacked from the run's row down. Node ids are unique;
 * every edge joins two nodes of the graph.
 */
import type { Lineage, LineageRun } from '../ml/index.js';

export type LineageNodeType = 'data' | 'run' | 'predictions' | 'evaluations' | 'reviews';

export interface LineageNode {
  readonly id: string;
  readonly type: LineageNodeType;
  /** The first line shown. */
  readonly label: string;
  /** Further lines. */
  readonly detail: readonly string[];
  /** The run the node belongs to (a run node links to its page). */
  readonly run_id?: string;
  /** The run the lineage was asked for. */
  readonly current?: boolean;
  /** A run's state (`finished`, `killed`…). */
  readonly state?: string;
  readonly col: number;
  readonly row: number;
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

export interface LineageGraph {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  readonly columns: number;
  readonly rows: number;
}

const fmt = (v: number): string => String(Number(v.toPrecision(4)));
const short = (text: string, n = 48): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** The graph of `lineage`. */
export function lineageGraph(lineage: Lineage): LineageGraph {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const nextRow = new Map<number, number>();
  const place = (col: number, atLeast: number): number => {
    const row = Math.max(nextRow.get(col) ?? 0, atLeast);
    nextRow.set(col, row + 1);
    return row;
  };
  const runs: LineageRun[] = [...lineage.ancestry, ...lineage.descendants];
  const colOf = new Map<string, number>();
  const rowOf = new Map<string, number>();

  const root = lineage.ancestry[0]!;
  nodes.push({ id: 'data', type: 'data', label: `data: ${root.data.rows} rows`, detail: [short(root.data.query), `hash ${root.data.hash.slice(0, 12)}`], col: 0, row: place(0, 0) });

  for (const r of runs) {
    const parentCol = r.parent_run_id === null ? undefined : colOf.get(r.parent_run_id);
    const col = parentCol === undefined ? 1 : parentCol + 2;
    const row = place(col, r.parent_run_id === null ? 0 : rowOf.get(r.parent_run_id) ?? 0);
    colOf.set(r.run_id, col);
    rowOf.set(r.run_id, row);
    const id = `run:${r.run_id}`;
    nodes.push({
      id,
      type: 'run',
      label: r.run_id,
      detail: [`${r.kind} ${r.model}`, `${r.state} · ${r.epochs_done} epoch${r.epochs_done === 1 ? '' : 's'}`, ...(r.data.synthetic_generations > 0 ? [`synthetic generations: ${r.data.synthetic_generations}`] : [])],
      run_id: r.run_id,
      current: r.run_id === lineage.run_id,
      state: r.state,
      col,
      row,
    });
    if (parentCol === undefined || r.parent_run_id === null) edges.push({ from: 'data', to: id, label: `${r.data.rows} rows` });
    else {
      edges.push({ from: `run:${r.parent_run_id}`, to: id, label: 'parent' });
      if (r.data.included_predictions > 0) {
        for (const [from, n] of Object.entries(r.data.included_from)) {
          if (colOf.has(from)) edges.push({ from: `predictions:${from}`, to: id, label: `${n} accepted` });
        }
      }
    }
    const satellite = (type: 'predictions' | 'evaluations' | 'reviews', label: string, detail: string[]): void => {
      const nodeId = `${type}:${r.run_id}`;
      nodes.push({ id: nodeId, type, label, detail, run_id: r.run_id, col: col + 1, row: place(col + 1, row) });
      edges.push({ from: id, to: nodeId });
    };
    const p = r.predictions;
    // The predictions node also anchors the edge to a child that trained on accepted ones.
    if (p.total > 0 || runs.some((c) => c.data.included_from[r.run_id] !== undefined)) {
      satellite('predictions', `${p.total} predictions`, [`${p.accepted} accepted · ${p.rejected} rejected · ${p.undecided} open`, ...Object.entries(p.accepted_by).map(([by, n]) => short(`${n} by ${by}`))]);
    }
    if (r.evaluations.length > 0) {
      satellite('evaluations', `${r.evaluations.length} metrics`, r.evaluations.slice(0, 4).map((e) => `${e.metric} ${fmt(e.value)}${e.epoch === null ? '' : ` @${e.epoch}`}`));
    }
    if (r.reviews.total > 0) {
      satellite('reviews', `${r.reviews.total} reviews`, [`${r.reviews.accept} accept · ${r.reviews.reject} reject`, ...(r.reviews.mean_rating === null ? [] : [`mean rating ${fmt(r.reviews.mean_rating)}`]), short(r.reviews.reviewers.join(', '))]);
    }
  }
  const ids = new Set(nodes.map((n) => n.id));
  return {
    nodes,
    edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
    columns: Math.max(...nodes.map((n) => n.col)) + 1,
    rows: Math.max(...nodes.map((n) => n.row)) + 1,
  };
}
