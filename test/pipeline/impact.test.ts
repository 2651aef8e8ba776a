import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createMessage, MessageType, Priority, type JsonValue, type MessageInput } from '../../src/model/message.ts';
import {
  createImpactModel,
  createImpactScorer,
  DEFAULT_IMPACT_THRESHOLD,
  explainImpact,
  isHighImpact,
  leadingVerb,
  scoreImpact,
} from '../../src/pipeline/impact.ts';

function message(payload: JsonValue, extra: Partial<MessageInput> = {}) {
  return createMessage({ from: 'agent-a', to: 'agent-b', type: MessageType.EVENT, tenantId: 't1', priority: Priority.NORMAL, payload, ...extra });
}

describe('impact score', () => {
  it('uses one threshold rule: score >= threshold, default 0.8', () => {
    assert.equal(DEFAULT_IMPACT_THRESHOLD, 0.8);
    assert.equal(isHighImpact(0.8), true);
    assert.equal(isHighImpact(0.7999), false);
    assert.equal(isHighImpact(0.5, 0.5), true);
    assert.equal(isHighImpact(Number.NaN), true, 'a broken score must not skip deliberation');
  });

  it('scores a plain read low and a large transfer high', () => {
    const read = scoreImpact(message({ tool: 'read_file', path: '/tmp/x' }));
    const transfer = scoreImpact(message({ tool: 'transfer_funds', amount: 5000 }, { type: MessageType.COMMAND }));
    assert.ok(read < 0.3, `read scored ${read}`);
    assert.ok(isHighImpact(transfer), `transfer scored ${transfer}`);
  });

  it('counts distinct sensitive keywords in keys and values, case-insensitively and as whole words', () => {
    const components = (payload: JsonValue) => explainImpact(message(payload)).components.keywords;
    assert.equal(components({ note: 'all quiet' }), 0);
    assert.equal(components({ note: 'Security review' }), 0.6);
    assert.equal(components({ api_token: 'x', note: 'SECURITY review' }), 0.8);
    assert.equal(components({ note: 'security security security' }), 0.6, 'repeats of one keyword count once');
    assert.equal(components({ note: 'insecurity' }), 0, 'no match inside a longer word');
    assert.equal(components({ note: 'rotate the private  key' }), 0.6, 'two-word keyword across whitespace');
    const three = explainImpact(message({ note: 'breach: leaked password, escalate now' }));
    assert.equal(three.components.keywords, 1);
    assert.ok(isHighImpact(three.score), 'three sensitive keywords reach the 0.8 floor');
  });

  it('classifies the verb of the requested action', () => {
    assert.equal(leadingVerb('deleteUser'), 'delete');
    assert.equal(leadingVerb('delete_user'), 'delete');
    assert.equal(leadingVerb('DELETE /x'), 'delete');
    assert.equal(leadingVerb('Bash(rm -rf)'), 'bash');
    const action = (payload: JsonValue) => explainImpact(message(payload)).components.action;
    assert.equal(action({ tool: 'execute_sql' }), 1);
    assert.equal(action({ action: { name: 'updateRecord' } }), 0.5);
    assert.equal(action({ operation: 'get_status' }), 0.1);
    assert.equal(action({ method: 'frobnicate' }), 0.5, 'an unknown verb is medium risk');
    assert.equal(action({ other: 'delete' }), 0, 'no action field, no action risk');
  });

  it('raises the score with amount, priority, type and sender volume', () => {
    const base = message({ tool: 'send', amount: 10 });
    const more = message({ tool: 'send', amount: 100_000 });
    assert.ok(scoreImpact(more) > scoreImpact(base));
    assert.ok(scoreImpact(message({}, { priority: Priority.CRITICAL })) > scoreImpact(message({}, { priority: Priority.LOW })));
    assert.ok(scoreImpact(message({}, { type: MessageType.GOVERNANCE_REQUEST })) >= 0.8, 'governance requests are always deliberated');
    assert.ok(scoreImpact(base, 150) > scoreImpact(base, 0));
  });

  it('applies configurable weights and floors', () => {
    const model = createImpactModel({ weights: { keywords: 0, action: 0, amount: 0, volume: 0, priority: 1, type: 0 }, floors: [] });
    assert.equal(scoreImpact(message({}, { priority: Priority.CRITICAL }), 0, model), 1);
    assert.equal(scoreImpact(message({}, { priority: Priority.LOW }), 0, model), 0);
    assert.throws(() => createImpactModel({ weights: { keywords: -1, action: 0, amount: 0, volume: 0, priority: 0, type: 0 } }), RangeError);
  });

  it('stays in [0, 1] and is deterministic for arbitrary JSON payloads', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat(1000), fc.constantFrom(0, 1, 2, 3), (payload, volume, priority) => {
        const m = message(payload as JsonValue, { priority: priority as Priority });
        const score = scoreImpact(m, volume);
        assert.ok(score >= 0 && score <= 1, `score ${score}`);
        assert.equal(scoreImpact(m, volume), score);
      }),
      { numRuns: 300 },
    );
  });

  it('looks at a bounded part of a large payload', () => {
    const filler = 'lorem ipsum '.repeat(6000); // ~72 KB before the keywords
    const late = message({ text: `${filler} breach password escalate` });
    assert.equal(explainImpact(late).components.keywords, 0, 'keywords beyond the scan budget are not seen');
    const model = createImpactModel({ scanBudgetChars: 200_000 });
    assert.equal(explainImpact(late, 0, model).components.keywords, 1, 'with a larger budget they are');
  });
});

describe('createImpactScorer (the validation-worker stage)', () => {
  it('feeds the sender\'s volume in its window into the score', () => {
    const model = createImpactModel({ weights: { keywords: 0, action: 0, amount: 0, volume: 1, priority: 0, type: 0 }, floors: [], volumeSaturation: 4 });
    const scorer = createImpactScorer({ model });
    const sent = message({});
    const item = { message: sent, payload: () => sent.payload };
    const scores = [1, 2, 3, 4, 5].map(() => scorer(item, { now: 1_000 }));
    assert.deepEqual(scores, [0.25, 0.5, 0.75, 1, 1]);
    assert.equal(scorer(item, { now: 100_000 }), 0.25, 'the window slid past the earlier messages');
  });
});
