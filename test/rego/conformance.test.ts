// OPA's conformance cases, read in place from ../shared/opa-conformance, through the agentbus
// compiler and the official SDK. Counts per topic: CONFORMANCE.md (bench/conformance-report.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusAvailable, loadCorpus, runCase, caseId, CORPUS_DIR, type Outcome } from './conformance-runner.ts';

const skipList = JSON.parse(readFileSync(new URL('./skip-list.json', import.meta.url), 'utf8')) as Record<string, string>;
const HARNESS_SKIPS = /^(strict_error mode|input_term in Rego-only syntax)/;

test('OPA conformance corpus', (t) => {
  if (!corpusAvailable()) {
    if (process.env.CI === 'true') assert.fail(`conformance corpus missing at ${CORPUS_DIR} (required under CI=true)`);
    t.skip(`conformance corpus not found at ${CORPUS_DIR}; clone the shared corpus next to the repository to run it`);
    return;
  }
  const cases = loadCorpus();
  assert.ok(cases.length > 500, `expected the full corpus, found ${cases.length} cases`);
  const outcomes = cases.map((c) => ({ id: caseId(c), outcome: runCase(c) as Outcome }));

  const wrong = outcomes.filter((o) => o.outcome.kind === 'fail' && o.outcome.wrongAnswer);
  assert.deepEqual(wrong.map((o) => `${o.id}: ${(o.outcome as { reason: string }).reason}`), [], 'wrong answers');

  // Every skip-listed case is still skipped for the listed reason: it fails to compile with an
  // error naming the construct (or the harness cannot express it) — it never produces a result.
  for (const { id, outcome } of outcomes) {
    const listed = skipList[id];
    if (listed === undefined) {
      assert.notEqual(outcome.kind, 'skip', `${id} is skipped (${outcome.kind === 'skip' ? outcome.reason : ''}) but not on the skip list`);
      continue;
    }
    assert.equal(outcome.kind, 'skip', `${id} is on the skip list (${listed}) but ${outcome.kind === 'pass' ? 'now passes: remove it' : 'produced a result'}`);
    assert.equal(outcome.kind === 'skip' && outcome.reason, listed, `${id}: skip reason changed`);
    if (!HARNESS_SKIPS.test(listed)) assert.match(listed, /unsupported|not in the agentbus subset/, `${id}: a skip must name the unsupported construct`);
  }
  const stale = Object.keys(skipList).filter((id) => !outcomes.some((o) => o.id === id));
  assert.deepEqual(stale, [], 'skip-list entries without a case');

  const inSubset = outcomes.filter((o) => o.outcome.kind !== 'skip');
  const passed = inSubset.filter((o) => o.outcome.kind === 'pass').length;
  t.diagnostic(`passed ${passed}/${inSubset.length} in-subset cases, skipped ${outcomes.length - inSubset.length}`);
  assert.ok(passed >= 0.9 * inSubset.length, `only ${passed} of ${inSubset.length} in-subset cases pass`);
});
