/**
 * An explanation stored: a new explanation id, the heat map (image subjects) written atomically
 * to `explanations/<id>.png` in the run's folder, then one `ml_explanations` row per feature in
 * one transaction. When the rows cannot be stored the heat map is removed again, so either both
 * are there or neither.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeFolderSync, writeFileAtomicSync } from '../../atomic-write.js';
import type { Row } from '../../store/types.js';
import { now, type RunRecord, type RunRegistry } from '../registry/run-registry.js';
import { ML_EXPLANATIONS } from '../registry/tables.js';
import type { ExplanationSubject } from './explanation-subject.js';
import { heatmapPng } from './heatmap.js';
import type { GameExplanation } from './shapley-values.js';

/** A new explanation id: `shap-`, UTC time to the second and 4 random hex digits. */
function newExplanationId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `shap-${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

/**
 * Store the values `computed` of `subject` for `run`, with the heat map when the features are image
 * segments; returns the explanation id and the heat map's path relative to the store's folder.
 */
export async function recordExplanation(registry: RunRegistry, run: RunRecord, subject: ExplanationSubject, computed: GameExplanation, seed: number): Promise<{ readonly id: string; readonly heatmap: string | undefined }> {
  const id = newExplanationId();
  let heatmap: { absolute: string; relative: string } | undefined;
  if (subject.image !== undefined) {
    const folder = registry.runPath(run.run_id, 'explanations');
    makeFolderSync(folder);
    const absolute = path.join(folder, `${id}.png`);
    writeFileAtomicSync(absolute, heatmapPng({ ...subject.image, values: computed.values }));
    heatmap = { absolute, relative: registry.relative(absolute) };
  }
  const created = now();
  const rows: Row[] = subject.features.map((feature, j) => ({
    explanation_id: id,
    run_id: run.run_id,
    target: subject.target,
    feature,
    value: computed.values[j]!,
    base_value: computed.baseValue,
    prediction: computed.prediction,
    method: computed.method,
    output: subject.output,
    background: subject.backgroundRows,
    seed,
    FILE_heatmap: heatmap?.relative ?? null,
    created_at: created,
  }));
  try {
    await registry.store.managedTables().transaction(async (tx) => {
      await tx.ensure(ML_EXPLANATIONS);
      await tx.insert(ML_EXPLANATIONS.name, rows);
    });
  } catch (e) {
    if (heatmap !== undefined) fs.rmSync(heatmap.absolute, { force: true });
    throw e;
  }
  return { id, heatmap: heatmap?.relative };
}
