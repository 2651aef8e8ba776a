// OPA's conformance cases, read in place from ../shared/opa-conformance and
// ../shared/opa-conformance-builtins, through the agentbus compiler and the official SDK (with the
// bus's host built-ins). Counts per topic: CONFORMANCE.md (bench/conformance-report.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusAvailable, loadCorpus, runCase, caseId, CORPORA, REPO_ROOT, type Outcome } from '../../bench/conformance/runner.ts';

const HARNESS_SKIPS = /^(strict_error mode|input_term in Rego-only syntax)/;
/** The share of all cases (skips count as not passed) each corpus must pass. */
const TARGETS: Readonly<Record<string, number>> = { 'opa-conformance': 0.95, 'opa-conformance-builtins': 0.85 };

for (const corpus of CORPORA) {
  test(`OPA conformance corpus ${corpus.name}`, (t) => {
    if (!corpusAvailable(corpus.dir)) {
      if (process.env.CI === 'true') assert.fail(`conformance corpus missing at ${corpus.dir} (required under CI=true)`);
      t.skip(`conformance corpus not found at ${corpus.dir}; put the shared corpus beside the repository to run it`);
      return;
    }
    const skipList = JSON.parse(readFileSync(join(REPO_ROOT, corpus.skipList), 'utf8')) as Record<string, string>;
    const cases = loadCorpus(corpus.dir);
    assert.ok(cases.length > 300, `expected the full corpus, found ${cases.length} cases`);
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

    const passed = outcomes.filter((o) => o.outcome.kind === 'pass').length;
    t.diagnostic(`passed ${passed}/${outcomes.length} cases, skipped ${outcomes.filter((o) => o.outcome.kind === 'skip').length}`);
    assert.ok(passed >= TARGETS[corpus.name]! * outcomes.length, `only ${passed} of ${outcomes.length} cases pass`);
  });
}
