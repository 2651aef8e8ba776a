import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledTemplateIR, IrNode } from '../../../src/solver/compile/ir.ts';
import { BindingError, compilePredicate } from '../../../src/solver/compile/predicate.ts';

/** A one-constraint template IR, written by hand (no Z3): `name` holds when `nodes[root]` is true. */
function single(bindings: CompiledTemplateIR['bindings'], nodes: IrNode[], name = 'rule'): CompiledTemplateIR {
  return { mode: 'compiled', template: 't', hash: 'h', bindings, nodes, checks: [{ kind: 'constraint', names: [name], root: nodes.length - 1 }], compileMillis: 0 };
}

describe('compiled predicates: exact where doubles are not', () => {
  it('a constant of 2^53 keeps the predicate on BigInt (as a double, 2^53 + 1 would read as 2^53 and pass)', () => {
    const predicate = compilePredicate(single([{ name: 'x', sort: 'Int' }], [
      { op: 'var', sort: 'Int', name: 'x' },
      { op: 'const', sort: 'Int', value: '9007199254740992' },
      { op: '<=', sort: 'Bool', args: [0, 1] },
    ]));
    assert.equal(predicate.fastPath, false);
    assert.equal(predicate({ x: '9007199254740992' }).allowed, true);
    assert.deepEqual(predicate({ x: '9007199254740993' }), { allowed: false, violated: ['rule'], needsCore: false, unresolved: [] });
    assert.equal(predicate({ x: '-900719925474099300000' }).allowed, true);
  });

  it('operands that fit but whose intermediate sum may not: inputs above the proven bound go exact', () => {
    // (x + y) - z <= 2^53 - 2: with x = 2^53 - 1, y = z = 2, doubles round x + y to 2^53 and pass; exactly it is 2^53 - 1.
    const predicate = compilePredicate(single([{ name: 'x', sort: 'Int' }, { name: 'y', sort: 'Int' }, { name: 'z', sort: 'Int' }], [
      { op: 'var', sort: 'Int', name: 'x' },
      { op: 'var', sort: 'Int', name: 'y' },
      { op: 'var', sort: 'Int', name: 'z' },
      { op: '+', sort: 'Int', args: [0, 1] },
      { op: '-', sort: 'Int', args: [3, 2] },
      { op: 'const', sort: 'Int', value: '9007199254740990' },
      { op: '<=', sort: 'Bool', args: [4, 5] },
    ]));
    assert.equal(predicate.fastPath, true);
    assert.equal(predicate({ x: String(Number.MAX_SAFE_INTEGER), y: '2', z: '2' }).allowed, false);
    assert.equal(predicate({ x: String(Number.MAX_SAFE_INTEGER - 1), y: '2', z: '3' }).allowed, true);
    assert.equal(predicate({ x: '1000', y: '2', z: '3' }).allowed, true);
  });

  it('a Real with more than three decimals is compared as the exact decimal Z3 receives, not as a double', () => {
    const predicate = compilePredicate(single([{ name: 'impact', sort: 'Real' }], [
      { op: 'var', sort: 'Real', name: 'impact' },
      { op: 'const', sort: 'Real', value: '1/3' },
      { op: '>=', sort: 'Bool', args: [0, 1] },
    ]));
    assert.equal(predicate({ impact: '0.334' }).allowed, true);
    assert.equal(predicate({ impact: '0.333' }).allowed, false);
    // Number('0.3333333333333333') === 1/3 in doubles; the decimal is below 1/3.
    assert.equal(predicate({ impact: '0.3333333333333333' }).allowed, false);
    assert.equal(predicate({ impact: '0.33333333333333333334' }).allowed, true);
  });

  it('64-bit masks keep bit 63', () => {
    const predicate = compilePredicate(single([{ name: 'child', sort: 'BitVec64' }, { name: 'parent', sort: 'BitVec64' }], [
      { op: 'var', sort: 'BitVec64', name: 'child' },
      { op: 'var', sort: 'BitVec64', name: 'parent' },
      { op: 'bvnot', sort: 'BitVec64', args: [1] },
      { op: 'bvand', sort: 'BitVec64', args: [0, 2] },
      { op: 'const', sort: 'BitVec64', value: '0' },
      { op: '=', sort: 'Bool', args: [3, 4] },
    ], 'scope-subset'));
    assert.equal(predicate({ child: String(2n ** 63n), parent: String(2n ** 64n - 1n) }).allowed, true);
    assert.deepEqual(predicate({ child: String(2n ** 63n), parent: '7' }).violated, ['scope-subset']);
  });

  it('a missing binding is a typed error, not a verdict', () => {
    const predicate = compilePredicate(single([{ name: 'x', sort: 'Int' }], [{ op: 'var', sort: 'Int', name: 'x' }, { op: 'const', sort: 'Int', value: '1' }, { op: '<', sort: 'Bool', args: [0, 1] }]));
    assert.throws(() => predicate({}), BindingError);
  });

  it('a failed eliminated group denies with needsCore and its constraints as unresolved', () => {
    const ir: CompiledTemplateIR = {
      mode: 'compiled', template: 't', hash: 'h', bindings: [{ name: 'n', sort: 'Int' }],
      nodes: [{ op: 'var', sort: 'Int', name: 'n' }, { op: 'const', sort: 'Int', value: '5' }, { op: 'mod', sort: 'Int', args: [0, 1] }, { op: 'const', sort: 'Int', value: '1' }, { op: '=', sort: 'Bool', args: [2, 3] }],
      checks: [{ kind: 'eliminated', names: ['lots', 'offset'], root: 4 }], compileMillis: 0,
    };
    const predicate = compilePredicate(JSON.parse(JSON.stringify(ir)) as CompiledTemplateIR);
    assert.equal(predicate({ n: '-4' }).allowed, true, 'Euclidean mod: -4 mod 5 = 1');
    assert.deepEqual(predicate({ n: '-1' }), { allowed: false, violated: [], needsCore: true, unresolved: ['lots', 'offset'] });
    assert.equal(predicate({ n: String(5n * 2n ** 60n + 1n) }).allowed, true);
  });
});
