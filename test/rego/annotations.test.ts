import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueOf } from './compile-helpers.ts';
import { compilePolicy } from '../../src/rego/build.ts';
import { RegoCompileError } from '../../src/rego/ast.ts';

const POLICY = `# METADATA
# title: the package
package t

import rego.v1

# METADATA
# title: Deny big numbers
# description: Numbers may not be higher than 5
# authors:
# - John Doe <john@example.com>
# - name: Jane
# related_resources:
# - https://example.com/rules
# custom:
#   severity: MEDIUM
#   tags: [a, b]
deny contains msg if {
  some n in input.numbers
  n > 5
  meta := rego.metadata.rule()
  msg := {"severity": meta.custom.severity, "reason": meta.description}
}

# METADATA
# scope: document
# title: applies to the whole group
doc_scoped := rego.metadata.rule()

plain := rego.metadata.rule()

whole := rego.metadata.rule() if true
`;

test('rego.metadata.rule() is the rule-scope METADATA block above the rule, in OPA\'s shape', () => {
  assert.deepEqual(valueOf(POLICY, 't/deny', { numbers: [1, 7] }), [{ reason: 'Numbers may not be higher than 5', severity: 'MEDIUM' }]);
  const whole = `package t\n# METADATA\n# title: T\n# authors:\n# - John Doe <john@example.com>\n# - name: Jane\n# related_resources:\n# - https://example.com/r\n# custom:\n#   tags: [a]\nm := rego.metadata.rule()\n`;
  assert.deepEqual(valueOf(whole, 't/m'), {
    scope: 'rule', title: 'T',
    authors: [{ name: 'John Doe', email: 'john@example.com' }, { name: 'Jane' }],
    related_resources: [{ ref: 'https://example.com/r' }],
    custom: { tags: ['a'] },
  });
});

test('rego.metadata.rule() is {} without a rule-scope block (none, document scope, or a package annotation)', () => {
  assert.deepEqual(valueOf(POLICY, 't/doc_scoped'), {});
  assert.deepEqual(valueOf(POLICY, 't/plain'), {});
  assert.deepEqual(valueOf('# METADATA\n# title: pkg\npackage t\nm := rego.metadata.rule()\n', 't/m'), {});
});

test('a METADATA block that is not YAML, or holds schemas, is refused where the rule asks for it', () => {
  assert.throws(() => compilePolicy([{ file: 'a.rego', text: 'package t\n# METADATA\n# title: [unclosed\nm := rego.metadata.rule()\n' }], { entrypoints: ['t/m'] }),
    (e: unknown) => e instanceof RegoCompileError && /a\.rego:4:6: rego_parse_error: yaml:/.test(e.message));
  assert.throws(() => compilePolicy([{ file: 'a.rego', text: 'package t\n# METADATA\n# schemas:\n# - input: schema.x\nm := rego.metadata.rule()\n' }], { entrypoints: ['t/m'] }),
    /unsupported: rego\.metadata\.rule\(\) for a rule with schemas annotations/);
});
