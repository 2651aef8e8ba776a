// Runs the conformance cases of some topics (or all, with no topic given) and prints each case
// that did not pass, with its reason: the quick loop while working on one construct.
// Run: node --import tsx bench/conformance/run-topics.ts <corpus-name> [topic ...]
import { loadCorpus, runCase, caseId, CORPORA } from './runner.ts';

const [corpusName, ...topics] = process.argv.slice(2);
const corpus = CORPORA.find((c) => c.name === corpusName);
if (!corpus) {
  console.error(`usage: run-topics.ts <${CORPORA.map((c) => c.name).join('|')}> [topic ...]`);
  process.exit(2);
}
const counts = { pass: 0, skip: 0, fail: 0, wrong: 0 };
for (const c of loadCorpus(corpus.dir)) {
  if (topics.length > 0 && !topics.includes(c.topic)) continue;
  const outcome = runCase(c);
  counts[outcome.kind]++;
  if (outcome.kind === 'fail' && outcome.wrongAnswer) counts.wrong++;
  if (outcome.kind !== 'pass') console.log(`${outcome.kind.toUpperCase()} ${caseId(c)}: ${outcome.reason}`);
}
console.log(`${counts.pass} passed, ${counts.skip} skipped, ${counts.fail} failed (${counts.wrong} wrong)`);
