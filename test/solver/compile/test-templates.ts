import type { TemplateSpec } from '../../../src/solver/policy.ts';

/**
 * Templates written for the compiler's tests: shapes the bundled policy lacks (nonlinear terms, bit-vector
 * scopes with an existential mask, `ite` chains, Real bounds and a Real existential, divisibility).
 */

/** ∃ r. r·r = n: nonlinear over an existential variable, which quantifier elimination does not decide. */
export const perfectSquare: TemplateSpec = {
  id: 'perfect-square',
  description: 'n is a perfect square (nonlinear, must fall back)',
  bindings: { n: { sort: 'Int', from: 'payload.n' } },
  variables: { r: 'Int' },
  constraints: [{ name: 'square', assert: '(= (* r r) n)' }],
};

/** Ground nonlinear: no variable to eliminate, so it compiles; only the exact evaluator can decide it. */
export const groundProduct: TemplateSpec = {
  id: 'ground-product',
  description: 'price × quantity within the limit (ground nonlinear)',
  bindings: {
    price: { sort: 'Int', from: 'payload.price' },
    quantity: { sort: 'Int', from: 'payload.quantity', default: 1 },
  },
  parameters: { limit: { sort: 'Int', value: 1_000_000 } },
  constraints: [
    { name: 'order-limit', assert: '(<= (* price quantity) limit)' },
    { name: 'positive-quantity', assert: '(> quantity 0)' },
  ],
};

/** Bit-vector scopes: subset checks, signed and unsigned comparisons, and bit arithmetic on 64-bit masks. */
export const scopes: TemplateSpec = {
  id: 'scopes',
  description: 'child ⊆ parent, reserved bits clear, required bits held',
  bindings: {
    child: { sort: 'BitVec64', from: 'payload.child' },
    parent: { sort: 'BitVec64', from: 'context.parent' },
    required: { sort: 'BitVec64', from: 'context.required', default: 0 },
  },
  parameters: { reserved: { sort: 'BitVec64', value: '0xff00000000000000' } },
  constraints: [
    { name: 'has-required', assert: '(= (bvand parent required) required)' },
    { name: 'signed-parent', assert: '(bvsge parent (_ bv0 64))' },
    { name: 'child-within-parent', assert: '(= (bvand child (bvnot parent)) (_ bv0 64))' },
    { name: 'child-unreserved', assert: '(= (bvand (bvor child (bvxor required required)) reserved) (_ bv0 64))' },
    { name: 'child-below-parent', assert: '(bvule (bvadd child (bvneg parent)) (bvsub (_ bv0 64) (_ bv1 64)))' },
  ],
};

/** An existential mask between child and parent: bit-vector elimination, which may not finish within a budget. */
export const grantMask: TemplateSpec = {
  id: 'grant-mask',
  description: 'some grant with child ⊆ grant ⊆ parent keeps the reserved bits clear',
  bindings: {
    child: { sort: 'BitVec64', from: 'payload.child' },
    parent: { sort: 'BitVec64', from: 'context.parent' },
  },
  variables: { grant: 'BitVec64' },
  parameters: { reserved: { sort: 'BitVec64', value: '0xff00000000000000' } },
  constraints: [
    { name: 'grant-within-parent', assert: '(= (bvand grant (bvnot parent)) (_ bv0 64))' },
    { name: 'grant-covers-child', assert: '(= (bvor grant child) grant)' },
    { name: 'grant-unreserved', assert: '(= (bvand grant reserved) (_ bv0 64))' },
  ],
};

/** `ite` chains over a tier, ground and with an existential slack. */
export const iteChains: TemplateSpec = {
  id: 'ite-chains',
  description: 'per-tier limits through nested ite, and a slack that must fit the tier reserve',
  bindings: {
    tier: { sort: 'Int', from: 'context.senderTier', default: 0 },
    count: { sort: 'Int', from: 'context.senderVolume', default: 0 },
    reserve: { sort: 'Int', from: 'context.reserve', default: 0 },
  },
  variables: { slack: 'Int' },
  parameters: { base: { sort: 'Int', value: 10 } },
  constraints: [
    { name: 'tier-limit', assert: '(<= count (ite (= tier 0) base (ite (= tier 1) (* 5 base) (ite (= tier 2) 200 (ite (< tier 0) 0 1000)))))' },
    { name: 'slack-fits', assert: '(and (>= slack 0) (<= (+ count slack) (ite (> tier 1) 500 100)) (>= slack (ite (= tier 0) reserve (- reserve 3))))' },
  ],
};

/** Real bounds with thresholds of several denominators, a Real existential, and Int divisibility. */
export const realBounds: TemplateSpec = {
  id: 'real-bounds',
  description: 'impact and score bounds in Real arithmetic; a strict Real between them; amount ≡ 1 (mod 5)',
  bindings: {
    impact: { sort: 'Real', from: 'impact' },
    score: { sort: 'Real', from: 'context.score', default: 0 },
    approvals: { sort: 'Int', from: 'context.approvals', default: 0 },
    amount: { sort: 'Int', from: 'payload.amount', default: 1 },
  },
  variables: { x: 'Real', k: 'Int' },
  parameters: { third: { sort: 'Real', value: 0.333 } },
  constraints: [
    { name: 'weighted-sum', assert: '(<= (+ impact (* 2 score)) 2.5)' },
    { name: 'third-needs-approvals', assert: '(=> (> impact (/ 1.0 3.0)) (>= approvals 2))' },
    { name: 'close-scores', assert: '(< (- score impact) third)' },
    { name: 'fractional-weight', assert: '(>= (to_real approvals) (* 2.5 (- impact 0.5)))' },
    { name: 'room-between', assert: '(and (< impact x) (< x (+ score 1.0)))' },
    { name: 'amount-lots', assert: '(= amount (+ (* 5 k) 1))' },
  ],
};

export const TEST_TEMPLATES: readonly TemplateSpec[] = [groundProduct, scopes, iteChains, realBounds];
