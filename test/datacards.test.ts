/**
 * Datacards in Python DSI's three formats (its own templates, filled in here): each card is one
 * row of the table Python DSI names, chosen by reader name or by content where the extension is
 * shared with another reader; a card missing a required field (or holding one its template does
 * not know) is refused with one line naming the file and the field, and the store is unchanged.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Store, chooseReader, defaultPlugins, openStore } from '../src/index.js';
import { dumpStore, rejectsWithCode, removeTempDirs, tempDir, writeFile } from './helpers/store-helpers.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/datacards/', import.meta.url));
const template = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

let dir: string;
let store: Store;
before(async () => {
  dir = tempDir('dsi-datacards-');
  store = await openStore(path.join(dir, 'dsi.db'));
});
after(async () => {
  await store.close();
  removeTempDirs();
});

/** The Dublin Core template with a title and a creator filled in, and `drop` elements removed. */
function dublinCore(drop: readonly string[] = []): string {
  let xml = template('template_dc_dublin_core.xml').replace('<dc:title></dc:title>', '<dc:title>Wildfire runs</dc:title>').replace('<dc:creator></dc:creator>', '<dc:creator>LANL</dc:creator>');
  for (const d of drop) xml = xml.replace(new RegExp(`\\s*<dc:${d}></dc:${d}>`), '');
  return xml;
}

describe('datacards', () => {
  it('reads a Dublin Core card as one row of dublin_core_datacard, the 15 elements as columns, empty ones NULL', async () => {
    const file = writeFile(dir, 'card.xml', dublinCore());
    const result = await store.read(file);
    assert.deepEqual(result, [{ table: 'dublin_core_datacard', rows: 1 }]);
    const [row] = await store.getTable('dublin_core_datacard');
    assert.equal(Object.keys(row!).length, 15);
    assert.equal(row!['title'], 'Wildfire runs');
    assert.equal(row!['creator'], 'LANL');
    assert.equal(row!['rights'], null);
  });

  it('reads a schema.org card as one row of schema_org_datacard, chosen by its "@type": "Dataset" among .json readers', async () => {
    const json = JSON.parse(template('template_dc_schema_org.json')) as Record<string, unknown>;
    Object.assign(json, { name: 'wildfire', copyrightYear: 2024, creator: { '@type': 'Person', name: 'A. Scientist' } });
    const file = writeFile(dir, 'card.json', JSON.stringify(json));
    assert.equal(chooseReader(defaultPlugins, file).name, 'datacard-schema-org');
    assert.equal(chooseReader(defaultPlugins, writeFile(dir, 'plain.json', '{"a": 1}')).name, 'json');
    await store.read(file);
    const [row] = await store.getTable('schema_org_datacard');
    assert.equal(Object.keys(row!).length, 27, 'every property but @type');
    assert.equal(row!['name'], 'wildfire');
    assert.equal(row!['copyrightYear'], 2024);
    assert.equal(row!['creator'], '{"@type":"Person","name":"A. Scientist"}');
  });

  it('reads a Google card as one row of google_datacard, its sections side by side, chosen by its sections among .yml readers', async () => {
    const file = writeFile(dir, 'card.yml', template('template_dc_google.yml').replace("dataset_name: ''", 'dataset_name: wildfire'));
    assert.equal(chooseReader(defaultPlugins, file).name, 'datacard-google');
    assert.equal(chooseReader(defaultPlugins, writeFile(dir, 'plain.yml', 'a: 1\n')).name, 'yaml');
    await store.read(file);
    const [row] = await store.getTable('google_datacard');
    assert.equal(row!['dataset_name'], 'wildfire');
    assert.equal(row!['version'], 1);
    assert.equal(row!['evaluation_recall'], '123 (params)', 'an optional section is read when present');
    assert.equal(Object.keys(row!).length, 36 + 4 + 6);
  });

  it('refuses a card missing a required field, naming the file and the field, and leaves the store unchanged', async () => {
    const before = await dumpStore(store);
    const xml = writeFile(dir, 'no-rights.xml', dublinCore(['rights']));
    let e = await rejectsWithCode(store.read(xml), 'E_BAD_INPUT');
    assert.match(e.message, /no-rights\.xml: .*lacks the required field "rights"/);
    const json = JSON.parse(template('template_dc_schema_org.json')) as Record<string, unknown>;
    delete json['license'];
    e = await rejectsWithCode(store.read(writeFile(dir, 'no-license.json', JSON.stringify(json)), { reader: 'datacard-schema-org' }), 'E_BAD_INPUT');
    assert.match(e.message, /no-license\.json: .*lacks the required field "license"/);
    e = await rejectsWithCode(store.read(writeFile(dir, 'no-summary.yml', template('template_dc_google.yml').replace(/^summary:[\s\S]*?\n\n/, '')), { reader: 'datacard-google' }), 'E_BAD_INPUT');
    assert.match(e.message, /no-summary\.yml: .*lacks the required fields "dataset_name", "summary", "dataset_link", "documentation_link"/);
    e = await rejectsWithCode(store.read(writeFile(dir, 'typo.yml', template('template_dc_google.yml').replace('data_subjects:', 'data_subject:')), { reader: 'datacard-google' }), 'E_BAD_INPUT');
    assert.match(e.message, /typo\.yml: "data_subject" is not a field of the Google datacard section "overview"/);
    assert.deepEqual(await dumpStore(store), before);
  });

  it('refuses a schema.org card whose @type is not Dataset, and a table name other than the datacard table', async () => {
    const json = JSON.parse(template('template_dc_schema_org.json')) as Record<string, unknown>;
    json['@type'] = 'Person';
    const e = await rejectsWithCode(store.read(writeFile(dir, 'person.json', JSON.stringify(json)), { reader: 'datacard-schema-org' }), 'E_BAD_INPUT');
    assert.match(e.message, /"@type" must be "Dataset"/);
    await rejectsWithCode(store.read(writeFile(dir, 'renamed.xml', dublinCore()), { table: 'cards' }), 'E_BAD_ARGUMENT');
  });

  it('keeps datacard tables out of update, as Python DSI reserves them', async () => {
    await rejectsWithCode(store.updateRows([{ table: 'dublin_core_datacard', rowIndex: 1, values: { title: 'x' } }]), 'E_RESERVED');
  });
});
