/**
 * The `datacard-google` reader: a datacard after Google's Data Cards Playbook (YAML, Python DSI's
 * `template_dc_google.yml`) becomes one row of `google_datacard`, its sections' fields side by
 * side (`summary.dataset_name` → `dataset_name`). The sections `summary`, `authorship`,
 * `overview` and `provenance` are required with every field the template gives them (empty
 * values allowed, stored as NULL); `sampling_methods` and `known_applications_and_benchmarks`
 * (meant for AI/ML data) are optional, and so are their fields. A section or field the template
 * does not have is refused, as Python DSI refuses it. (Python DSI checks no field is required;
 * we do, so that a card with a misspelt or forgotten field is not stored half empty.)
 *
 * Chosen by name, or for a `.yml`/`.yaml` file whose top-level keys are all section names.
 */
import { parse } from 'yaml';
import { badInput } from '../errors.js';
import type { Reader } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { type DatacardFields, checkTableOption, datacardRow, sniffText } from './datacard-fields.js';
import { isEmpty, parseYaml, yamlToJs } from './yaml-reader.js';
import { readTextFile } from './text-decoding.js';

/** Section → its fields, in the template's order. */
const SECTIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  summary: ['dataset_name', 'summary', 'dataset_link', 'documentation_link'],
  authorship: [
    'datacard_author1', 'datacard_author2', 'datacard_author3', 'publishing_organization', 'publishing_POC', 'publishing_POC_affiliation',
    'publishing_POC_contact', 'dataset_owner1', 'dataset_owner2', 'dataset_owner3', 'dataset_owners_affiliation', 'dataset_owners_contact',
    'funding_institution', 'funding_summary',
  ],
  overview: ['data_subjects', 'data_sensitivity', 'version', 'maintenance_status', 'last_updated', 'release_date', 'motivation', 'dataset_uses', 'citation_guidelines', 'citation_bibtex'],
  provenance: ['collection_methods_used', 'source', 'platform', 'dates_of_collection', 'type_of_data', 'data_selection', 'data_inclusion', 'data_exclusion'],
  sampling_methods: ['sampling_method_used', 'sampling_criteria1', 'sampling_criteria2', 'sampling_criteria3'],
  known_applications_and_benchmarks: ['ml_applications', 'ml_model_name', 'evaluation_accuracy', 'evaluation_precision', 'evaluation_recall', 'evaluation_performance_metric'],
});
const OPTIONAL_SECTIONS = ['sampling_methods', 'known_applications_and_benchmarks'];

export const GOOGLE_FIELDS: DatacardFields = Object.freeze({
  format: 'Google',
  table: 'google_datacard',
  required: Object.freeze(Object.entries(SECTIONS).filter(([s]) => !OPTIONAL_SECTIONS.includes(s)).flatMap(([, f]) => f)),
  optional: Object.freeze(OPTIONAL_SECTIONS.flatMap((s) => SECTIONS[s]!)),
});

const NAME = 'datacard-google';

function isSectionMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => Object.hasOwn(SECTIONS, k));
}

export const googleDatacardReader: Reader = {
  name: NAME,
  description: 'Google Data Cards datacard (YAML): one row of google_datacard; chosen for .yml/.yaml whose top-level keys are its sections',
  extensions: ['.yml', '.yaml'],
  recognizes(file) {
    const text = sniffText(file);
    if (text === undefined || !/^summary\s*:/m.test(text)) return false;
    try {
      return isSectionMap(parse(text, { logLevel: 'silent' }));
    } catch {
      return false;
    }
  },
  async read(file, context) {
    checkTableOption(context, GOOGLE_FIELDS, NAME);
    const parsed = parseYaml(await readTextFile(file, 'utf8', NAME), file);
    const documents = parsed.documents.filter((d) => !isEmpty(d));
    if (documents.length !== 1) throw badInput(file, undefined, `a Google datacard is one YAML document, found ${documents.length}`);
    const card = yamlToJs(file, () => documents[0]!.toJS({ maxAliasCount: 100 }));
    if (card === null || typeof card !== 'object' || Array.isArray(card)) throw badInput(file, undefined, 'a Google datacard is a map of sections (summary, authorship, overview, provenance…)');
    const fields: [string, unknown][] = [];
    for (const [section, body] of Object.entries(card as Record<string, unknown>)) {
      if (!Object.hasOwn(SECTIONS, section)) {
        throw badInput(file, undefined, `"${snippet(section)}" is not a section of a Google datacard (the sections: ${Object.keys(SECTIONS).join(', ')})`);
      }
      if (body === null && OPTIONAL_SECTIONS.includes(section)) continue;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badInput(file, undefined, `the section "${section}" must be a map of its fields`);
      for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
        if (!SECTIONS[section]!.some((f) => f.toLowerCase() === name.toLowerCase())) {
          throw badInput(file, undefined, `"${snippet(name)}" is not a field of the Google datacard section "${section}" (its fields: ${SECTIONS[section]!.join(', ')})`);
        }
        fields.push([name, value]);
      }
    }
    return { tables: [datacardRow(file, GOOGLE_FIELDS, fields)], units: [] };
  },
};
