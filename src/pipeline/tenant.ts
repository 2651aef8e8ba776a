import { ErrorCode, reject, type Rejection } from '../errors.ts';
import { isValidTenantId, TENANT_ID_PATTERN, type RegistrySnapshot } from '../model/registry-snapshot.ts';

/**
 * The tenant stage: the tenant id is well formed, and the sender and the recipient are both registered in
 * that tenant. An unregistered recipient is E_UNKNOWN_AGENT (nobody could receive it), an unregistered
 * sender or any mismatch is E_TENANT.
 */
export function checkTenant(tenantId: string, from: string, to: string, registry: RegistrySnapshot): Rejection | null {
  if (!isValidTenantId(tenantId)) {
    return reject(ErrorCode.TENANT, `tenant id ${JSON.stringify(tenantId.slice(0, 80))} does not match ${TENANT_ID_PATTERN.source}`);
  }
  const senderTenant = registry.tenantOf.get(from);
  if (senderTenant === undefined) return reject(ErrorCode.TENANT, `sender '${from}' is not a registered agent`);
  if (senderTenant !== tenantId) {
    return reject(ErrorCode.TENANT, `tenant mismatch: message tenant '${tenantId}' does not match sender tenant '${senderTenant}'`);
  }
  const recipientTenant = registry.tenantOf.get(to);
  if (recipientTenant === undefined) return reject(ErrorCode.UNKNOWN_AGENT, `recipient '${to}' is not a registered agent`);
  if (recipientTenant !== tenantId) {
    return reject(ErrorCode.TENANT, `tenant mismatch: message tenant '${tenantId}' does not match recipient tenant '${recipientTenant}'`);
  }
  return null;
}
