/**
 * Library errors name options as the library's caller wrote them; the command line prints the
 * flag of the command that ran instead (src/cli/option-flags.ts, docs/errors.md).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { MlError, StoreError } from '../src/errors.js';
import { LIBRARY_NAMES, flagTable, inFlags } from '../src/cli/option-flags.js';
import { buildProgram } from '../src/cli/program.js';
import { commandPath } from '../src/cli/usage-errors.js';
import { failureOf } from './helpers/cli-run.js';

/** The command at `where` (`ml train`) of a fresh program. */
function command(where: string): Command {
  const walk = (c: Command): Command | undefined => (commandPath(c) === where ? c : c.commands.map(walk).find((x) => x !== undefined));
  const found = walk(buildProgram());
  assert.ok(found, `no command ${where}`);
  return found;
}

describe('option names in errors', () => {
  it('a library message names the option by its library name and lists it, the one at fault first', () => {
    const e = new MlError('E_ML_ARGUMENT', (o) => `${o('best')} and ${o('per')} rank the matches of a ${o('rule')}`);
    assert.equal(e.message, 'best and per rank the matches of a rule');
    assert.equal(e.option, 'best');
    assert.deepEqual(e.options, ['best', 'per', 'rule']);
    assert.equal(e.messageWith((o) => `<${o}>`), '<best> and <per> rank the matches of a <rule>');
    const plain = new StoreError('E_BAD_ARGUMENT', 'table per row');
    assert.equal(plain.option, undefined);
    assert.deepEqual(plain.options, []);
    assert.equal(plain.messageWith((o) => `--${o}`), 'table per row');
  });

  it("a command's table comes from its flags, its parents' and the declared library names", () => {
    const train = flagTable(command('ml train'));
    assert.equal(train.get('lr'), '--lr');
    assert.equal(train.get('checkpointEvery'), '--checkpoint-every');
    assert.equal(train.get('conditionColumns'), '--cond-cols');
    assert.equal(train.get('labelColumn'), '--label-col');
    assert.equal(train.get('db'), '--db', 'the global options too');
    assert.equal(flagTable(command('display')).get('limit'), '--rows');
    for (const [where, names] of Object.entries(LIBRARY_NAMES)) {
      const flags = command(where).options.map((o) => o.long);
      for (const flag of Object.values(names)) assert.ok(flags.includes(flag), `${where} has ${flag}`);
    }
  });

  it('only what the message marks as an option is respelled, and only where the command has a flag for it', () => {
    const train = command('ml train');
    const e = new MlError('E_ML_ARGUMENT', (o) => `${o('lr')} must be a positive number; the lr of the run stays; ${o('noFlagHere')} too`);
    assert.equal(inFlags(e, train), '--lr must be a positive number; the lr of the run stays; noFlagHere too');
    assert.equal(inFlags(new MlError('E_ML_DATA', (o) => `give ${o('conditionColumns')}`), train), 'give --cond-cols');
  });

  it('dsi prints the flag where the library names the option (exit status 2)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsi-flags-'));
    try {
      const missing = path.join(dir, 'nowhere');
      const f = await failureOf(['--db', path.join(dir, 's.db'), 'datasets', 'add', 'mnist', '--from', missing]);
      assert.equal(f.status, 2);
      assert.equal(f.line, `dsi: --from ${missing}: no such folder`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
