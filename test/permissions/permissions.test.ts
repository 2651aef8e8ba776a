import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerPermissionsCommands } from '../../src/cli/permissions.ts';
import { compareRuleSets } from '../../src/permissions/compare.ts';
import { proposeConsolidation } from '../../src/permissions/consolidate.ts';
import { permissionFixture } from '../../src/permissions/fixture.ts';
import { checkPermissionFiles, consolidatePermissionFile, EXIT_COVERS, EXIT_LOSES, EXIT_UNREADABLE } from '../../src/permissions/index.ts';
import { RegexProver } from '../../src/permissions/regex-prover.ts';
import { parseRuleText } from '../../src/permissions/rule-file.ts';
import { parseRule, type RuleMode } from '../../src/permissions/rules.ts';
import { globIncludes, ruleIncludes, ruleMatches } from '../../src/permissions/subsume.ts';
import { instantiateZ3, terminateZ3Threads, type Z3Instance } from '../../src/solver/z3-module.ts';

const rules = (entries: readonly string[], mode: RuleMode = 'settings') => entries.map((e) => parseRule(e, mode));
const rule = (entry: string, mode: RuleMode = 'settings') => parseRule(entry, mode);

describe('rule semantics', () => {
  it('Bash prefix rules match the command alone or followed by a space, not a longer word', () => {
    const git = rule('Bash(git:*)');
    assert.equal(ruleMatches(git, 'Bash(git)'), true);
    assert.equal(ruleMatches(git, 'Bash(git status)'), true);
    assert.equal(ruleMatches(git, 'Bash(gitk)'), false);
    assert.equal(ruleMatches(rule('Bash(git status)'), 'Bash(git status --short)'), false, 'without :* the command is exact');
  });

  it('path globs: * stays within a directory, ** crosses directories', () => {
    assert.equal(ruleMatches(rule('Read(/repo/*.ts)'), 'Read(/repo/a.ts)'), true);
    assert.equal(ruleMatches(rule('Read(/repo/*.ts)'), 'Read(/repo/sub/a.ts)'), false);
    assert.equal(ruleMatches(rule('Read(/repo/**)'), 'Read(/repo/sub/a.ts)'), true);
    assert.equal(ruleMatches(rule('src/**/*.ts', 'globs'), 'src/a/b.ts'), true);
  });

  it('a bare tool name grants every use of the tool', () => {
    assert.equal(ruleIncludes(rule('WebFetch'), rule('WebFetch(domain:docs.example.com)')), true);
  });

  it('the JS inclusion test is sound on simple cases', () => {
    assert.equal(ruleIncludes(rule('Bash(git:*)'), rule('Bash(git add:*)')), true);
    assert.equal(ruleIncludes(rule('Bash(git add:*)'), rule('Bash(git:*)')), false);
    assert.equal(ruleIncludes(rule('Read(/repo/**)'), rule('Read(/repo/*/x.ts)')), true);
    assert.equal(ruleIncludes(rule('Read(/repo/*)'), rule('Read(/repo/**)')), false, '* does not include **');
    assert.equal(globIncludes(rule('WebFetch(domain:*.example.com)').alternatives[0]!, rule('WebFetch(domain:docs.example.com)').alternatives[0]!), true);
  });

  it('reads settings files, allow objects, arrays and plain lists', () => {
    assert.deepEqual(parseRuleText('{"permissions":{"allow":["Bash(ls)"],"deny":["Bash(rm:*)"]}}').entries, ['Bash(ls)']);
    assert.deepEqual(parseRuleText('{"allow":["Read(/a)"]}').entries, ['Read(/a)']);
    assert.deepEqual(parseRuleText('["a/**", "b/*"]').entries, ['a/**', 'b/*']);
    assert.deepEqual(parseRuleText('# globs\nsrc/**\n\ndocs/*.md\n').entries, ['src/**', 'docs/*.md']);
  });
});

describe('consolidation proofs (real Z3)', () => {
  let z3: Z3Instance;
  let prover: RegexProver;
  before(async () => {
    z3 = await instantiateZ3();
    prover = new RegexProver(z3);
  });
  after(() => {
    prover.dispose();
    terminateZ3Threads(z3);
  });

  const original = rules(['Bash(git add:*)', 'Bash(git commit:*)', 'Bash(jq:*)', 'WebFetch(domain:docs.docker.com)', 'Read(/repo/src/a.ts)', 'Edit(/repo/src/b/*.ts)']);

  it('proves coverage that needs several consolidated rules together (beyond the JS pass)', () => {
    const report = compareRuleSets(rules(['Read(/repo/**)']), rules(['Read(/repo/*)', 'Read(/repo/*/**)']), prover);
    assert.deepEqual(report.lost, []);
    assert.equal(report.stats.z3Queries >= 1, true, 'the JS pass alone cannot prove this');
  });

  it('catches a consolidation that drops a rule, with a witness the original allows and the consolidation refuses', () => {
    const dropped = rules(['Bash(git:*)', 'WebFetch(domain:*.docker.com)', 'Read(/repo/src/**)', 'Edit(/repo/src/**)']);
    for (const fastPass of [true, false]) {
      const report = compareRuleSets(original, dropped, prover, { fastPass });
      assert.deepEqual(report.lost.map((d) => d.rule), ['Bash(jq:*)'], `fastPass=${fastPass}`);
      const witness = report.lost[0]?.witness ?? '';
      assert.ok(original.some((r) => ruleMatches(r, witness)), `witness ${witness} is allowed by the original`);
      assert.ok(!dropped.some((r) => ruleMatches(r, witness)), `witness ${witness} is refused by the consolidation`);
    }
  });

  it('reports over-grants with witnesses the consolidation allows and the original does not', () => {
    const wider = rules(['Bash(git:*)', 'Bash(jq:*)', 'WebFetch(domain:*.docker.com)', 'Read(/repo/src/**)', 'Edit(/repo/src/**)']);
    for (const fastPass of [true, false]) {
      const report = compareRuleSets(original, wider, prover, { fastPass });
      assert.deepEqual(report.lost, [], `fastPass=${fastPass}`);
      assert.deepEqual(report.overGrants.map((d) => d.rule).sort(), ['Bash(git:*)', 'Edit(/repo/src/**)', 'Read(/repo/src/**)', 'WebFetch(domain:*.docker.com)']);
      for (const over of report.overGrants) {
        const witness = over.witness ?? '';
        assert.ok(wider.some((r) => ruleMatches(r, witness)) && !original.some((r) => ruleMatches(r, witness)), `${over.rule}: witness ${witness}`);
      }
    }
  });

  it('consolidates the 200-rule fixture to about 58 rules and proves nothing is lost, JS pass and Z3 alike', () => {
    const fixture = permissionFixture();
    assert.equal(fixture.length, 200);
    const proposed = proposeConsolidation(fixture, 'settings');
    assert.ok(proposed.length <= 60, `${proposed.length} rules`);
    const fast = compareRuleSets(rules(fixture), rules(proposed), prover);
    assert.deepEqual(fast.lost, []);
    // Cross-check the JS verdicts with Z3 on a slice (the full Z3-only proof is in bench/solver.ts).
    const slice = fixture.filter((_, i) => i % 5 === 0);
    const viaZ3 = compareRuleSets(rules(slice), rules(proposed), prover, { fastPass: false });
    assert.deepEqual(viaZ3.lost, []);
  });
});

describe('permissions CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentbus-permissions-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('check: 0 when covered (over-grants are warnings), 1 when a rule is lost or under --strict, 2 when unreadable', async () => {
    const a = write('a.json', { permissions: { allow: ['Bash(git add:*)', 'Bash(git commit:*)', 'Read(/repo/x.ts)'] } });
    const covers = write('b.json', { permissions: { allow: ['Bash(git:*)', 'Read(/repo/x.ts)'] } });
    const loses = write('c.json', ['Bash(git add:*)', 'Read(/repo/x.ts)']);
    const ok = await checkPermissionFiles(a, covers);
    assert.equal(ok.exitCode, EXIT_COVERS, ok.lines.join('\n'));
    assert.match(ok.lines.join('\n'), /over-grant Bash\(git:\*\) — e\.g\. "Bash\(git/);
    assert.equal((await checkPermissionFiles(a, covers, { strict: true })).exitCode, EXIT_LOSES);
    const lost = await checkPermissionFiles(a, loses);
    assert.equal(lost.exitCode, EXIT_LOSES);
    assert.match(lost.lines.join('\n'), /LOST {2}Bash\(git commit:\*\) — e\.g\. "Bash\(git commit/);
    assert.equal((await checkPermissionFiles(join(dir, 'missing.json'), covers)).exitCode, EXIT_UNREADABLE);
    assert.equal((await checkPermissionFiles(write('bad.json', '{"permissions": '), covers)).exitCode, EXIT_UNREADABLE);
  });

  it('consolidate writes a proved, smaller list in the input shape; the commands are wired into commander', async () => {
    const input = write('settings.json', { model: 'x', permissions: { allow: permissionFixture().slice(0, 40), deny: ['Bash(rm:*)'] } });
    const output = join(dir, 'out.json');
    const program = new Command().exitOverride();
    registerPermissionsCommands(program);
    const previous = process.exitCode;
    const log = console.log;
    console.log = () => {};
    try {
      await program.parseAsync(['node', 'agentbus', 'permissions', 'consolidate', input, '-o', output]);
      assert.equal(process.exitCode, 0);
      await program.parseAsync(['node', 'agentbus', 'permissions', 'check', '--original', input, '--consolidated', output]);
      assert.equal(process.exitCode, 0);
    } finally {
      console.log = log;
      process.exitCode = previous;
    }
    const written = JSON.parse(readFileSync(output, 'utf8'));
    assert.equal(written.model, 'x');
    assert.deepEqual(written.permissions.deny, ['Bash(rm:*)']);
    assert.ok(written.permissions.allow.length < 40);
    const outcome = await consolidatePermissionFile(input, join(dir, 'out2.json'));
    assert.equal(outcome.exitCode, EXIT_COVERS);
  });
});
