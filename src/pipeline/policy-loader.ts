import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResolvedOptions } from '../config.ts';
import type { PolicyInit } from './spec.ts';
import { AgentBusError, ErrorCode } from '../errors.ts';
import { DEFAULT_ENTRYPOINT, loadPolicySource, type PolicySource } from '../rego/bundle.ts';

/**
 * The policy that ships with agentbus (policies/), compiled at start when no other is configured. Found from
 * the sources (src/pipeline/) and from the built package (dist/src/pipeline/) alike.
 */
export const BUNDLED_POLICY_DIR = fileURLToPath(
  [new URL('../../policies', import.meta.url), new URL('../../../policies', import.meta.url)].find((url) => existsSync(url)) ??
    new URL('../../policies', import.meta.url),
);

/**
 * Loads (compiling if it is Rego) a policy on the main thread and picks its entrypoint: what every worker,
 * the inline mode and the bench's peers are handed. Failures are configuration errors (E_CONFIG).
 */
export function loadPolicyInit(source: string | Uint8Array, entrypoint: string | undefined, cache: ResolvedOptions['policyCache']): PolicyInit {
  let loaded: PolicySource;
  try {
    loaded = loadPolicySource(source);
  } catch (error) {
    throw new AgentBusError(ErrorCode.CONFIG, `cannot load policy${typeof source === 'string' ? ` ${source}` : ''}: ${(error as Error).message}`, { cause: error });
  }
  const chosen = entrypoint ?? (loaded.entrypoints.includes(DEFAULT_ENTRYPOINT) ? DEFAULT_ENTRYPOINT : loaded.entrypoints[0]);
  if (chosen === undefined || !loaded.entrypoints.includes(chosen)) {
    throw new AgentBusError(ErrorCode.CONFIG, `policy has no entrypoint ${chosen ?? ''} (it has: ${loaded.entrypoints.join(', ') || 'none'})`);
  }
  return { module: loaded.module, data: loaded.data, entrypoint: chosen, revision: loaded.revision, cache };
}
