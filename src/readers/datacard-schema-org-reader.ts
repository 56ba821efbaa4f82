/**
 * The `datacard-schema-org` reader: a schema.org `Dataset` datacard (JSON, Python DSI's
 * `template_dc_schema_org.json`) becomes one row of `schema_org_datacard`. `"@type"` must be
 * `"Dataset"` (any case) and is not stored, as in Python DSI; the other 27 properties of the
 * template are required (empty strings allowed, stored as NULL). Values keep their JSON types;
 * an object or array value (a `creator` as a `Person`) is stored as JSON text.
 *
 * Chosen by name, or for a `.json` file whose top-level `"@type"` is `"Dataset"`.
 */
import { badInput } from '../errors.js';
import type { Reader } from '../store/reader.js';
import { snippet } from '../store/snippet.js';
import { type DatacardFields, checkTableOption, datacardRow, sniffText } from './datacard-fields.js';
import { parseJson } from './json-reader.js';
import { readTextFile } from './text-decoding.js';

export const SCHEMA_ORG_FIELDS: DatacardFields = Object.freeze({
  format: 'schema.org',
  table: 'schema_org_datacard',
  required: Object.freeze([
    'name', 'description', 'keywords', 'creator', 'audience', 'expires', 'isBasedOn', 'isPartOf', 'accountablePerson', 'publisher',
    'editor', 'funder', 'funding', 'dateCreated', 'dateModified', 'datePublished', 'countryOfOrigin', 'locationCreated',
    'sourceOrganization', 'url', 'version', 'creditText', 'license', 'citation', 'copyrightHolder', 'copyrightNotice', 'copyrightYear',
  ]),
});

const NAME = 'datacard-schema-org';

/** Whether `json` is an object whose `@type` is `Dataset`. */
function isDataset(json: unknown): json is Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return false;
  const type = (json as Record<string, unknown>)['@type'];
  return typeof type === 'string' && type.toLowerCase() === 'dataset';
}

export const schemaOrgDatacardReader: Reader = {
  name: NAME,
  description: 'schema.org Dataset datacard (JSON): one row of schema_org_datacard; chosen for .json with "@type": "Dataset"',
  extensions: ['.json'],
  recognizes(file) {
    const text = sniffText(file);
    if (text === undefined || !/"@type"/.test(text)) return false;
    try {
      return isDataset(JSON.parse(text.replace(/^\uFEFF/, '')));
    } catch {
      return false;
    }
  },
  async read(file, context) {
    checkTableOption(context, SCHEMA_ORG_FIELDS, NAME);
    const json = parseJson(await readTextFile(file, 'utf8', NAME), file);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badInput(file, undefined, 'a schema.org datacard is one JSON object');
    const type = (json as Record<string, unknown>)['@type'];
    if (type === undefined) throw badInput(file, undefined, 'the schema.org datacard lacks the required field "@type" (it must be "Dataset")');
    if (!isDataset(json)) throw badInput(file, undefined, `"@type" must be "Dataset" for a schema.org datacard, got ${snippet(JSON.stringify(type))}`);
    const card = Object.entries(json).filter(([k]) => k !== '@type');
    return { tables: [datacardRow(file, SCHEMA_ORG_FIELDS, card)], units: [] };
  },
};
