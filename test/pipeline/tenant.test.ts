import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTenant } from '../../src/pipeline/tenant.ts';
import { isValidTenantId, registrySnapshot, type RegistrySnapshot } from '../../src/model/registry-snapshot.ts';

const registry: RegistrySnapshot = registrySnapshot(1, [
  ['alice', 'tenant-a', 'agent', []],
  ['bob', 'tenant-a', 'agent', []],
  ['carol', 'tenant-b', 'agent', []],
]);

const cases: [string, string, string, string, string | null][] = [
  ['same tenant, both registered', 'tenant-a', 'alice', 'bob', null],
  ['recipient in another tenant', 'tenant-a', 'alice', 'carol', 'E_TENANT'],
  ['sender in another tenant', 'tenant-b', 'alice', 'carol', 'E_TENANT'],
  ['message tenant matches neither', 'tenant-c', 'alice', 'bob', 'E_TENANT'],
  ['unregistered sender', 'tenant-a', 'mallory', 'bob', 'E_TENANT'],
  ['unregistered recipient', 'tenant-a', 'alice', 'nobody', 'E_UNKNOWN_AGENT'],
  ['upper-case tenant id', 'Tenant-A', 'alice', 'bob', 'E_TENANT'],
  ['tenant id too short', 'ab', 'alice', 'bob', 'E_TENANT'],
  ['tenant id with a space', 'tenant a', 'alice', 'bob', 'E_TENANT'],
  ['tenant id with a newline', 'tenant-a\n', 'alice', 'bob', 'E_TENANT'],
  ['empty tenant id', '', 'alice', 'bob', 'E_TENANT'],
];

for (const [name, tenant, from, to, code] of cases) {
  test(`tenant stage: ${name} → ${code ?? 'pass'}`, () => {
    const rejection = checkTenant(tenant, from, to, registry);
    assert.equal(rejection?.code ?? null, code);
  });
}

test('a tenant mismatch names the tenants involved', () => {
  const rejection = checkTenant('tenant-a', 'alice', 'carol', registry)!;
  assert.match(rejection.reasons[0]!, /recipient tenant 'tenant-b'/);
});

test('tenant id format: 3 to 64 of [a-z0-9_-]', () => {
  assert.ok(isValidTenantId('abc'));
  assert.ok(isValidTenantId('a'.repeat(64)));
  assert.ok(isValidTenantId('t_1-x'));
  assert.ok(!isValidTenantId('a'.repeat(65)));
  assert.ok(!isValidTenantId('tenant.a'));
  assert.ok(!isValidTenantId('ténant'));
});
