import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leadingVerb } from '../../src/pipeline/impact.ts';
import { MAX_VERB_LENGTH, VerbRiskTable } from '../../src/pipeline/verb-risk.ts';

describe('VerbRiskTable', () => {
  const risks = new Map<string, number>([['delete', 1], ['del', 0.7], ['read', 0.1], ['', 0.3], ['rm-rf', 1], ['a'.repeat(MAX_VERB_LENGTH), 0.9]]);
  const table = new VerbRiskTable(risks);

  it('answers as the map does for the leading verb of the name', () => {
    const names = ['deleteUser', 'delete_user', 'DELETE /x', 'DeleteUser', 'deleted', 'del', 'Del.x', 'readFile', 'READ', 'reader', '', '_x', '42', 'rm-rf', 'a'.repeat(65), 'a'.repeat(63), 'ReadFile'];
    for (const name of names) assert.equal(table.riskOf(name), risks.get(leadingVerb(name)), name);
  });

  it('reads a verb in any case up to a camelCase boundary', () => {
    assert.equal(table.riskOf('deleteUser'), 1);
    assert.equal(table.riskOf('DELETEUSER'), undefined, 'no boundary in upper case: the verb is the whole name');
    assert.equal(table.riskOf('readFile'), 0.1);
    assert.equal(table.riskOf('frobnicate'), undefined);
    assert.equal(table.riskOf('/x'), 0.3, 'no leading letters: the empty verb');
    assert.equal(table.riskOf('rm-rf'), undefined, 'a key with a non-letter can never be a leading verb');
  });

  it('cuts a verb at MAX_VERB_LENGTH letters', () => {
    assert.equal(table.riskOf('a'.repeat(MAX_VERB_LENGTH + 10)), 0.9);
    assert.equal(table.riskOf('a'.repeat(MAX_VERB_LENGTH - 1)), undefined);
  });
});
