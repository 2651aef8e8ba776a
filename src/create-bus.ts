import { AuditLog } from './audit/audit-log.ts';
import type { BusOptions } from './bus.ts';
import { AgentBus } from './bus.ts';
import { resolveOptions, type ResolvedOptions } from './config.ts';
import type { PipelineKind } from './pipeline/spec.ts';
import { AgentBusError, ErrorCode } from './errors.ts';
import { openDelivery } from './delivery/open-delivery.ts';
import { DeliberatingJudge } from './dispatch/deliberating-judge.ts';
import { InlineJudge } from './dispatch/inline.ts';
import type { Judge, JudgeWiring } from './dispatch/judge.ts';
import { WorkersJudge } from './dispatch/workers.ts';
import { pipelineReadsPayload } from './pipeline/spec.ts';
import { BUNDLED_POLICY_DIR, loadPolicyInit } from './pipeline/policy-loader.ts';
import { loadStages } from './pipeline/stage-loader.ts';
import { createDeliberation, formatStaticCheckReport, type Deliberation } from './solver/index.ts';

/**
 * Creates and starts a bus: loads user stages and the policy (compiling it once, here), opens the transport
 * (with Redis: connected, the registry mirror loaded), starts the threads.
 */
export async function createAgentBus(options: BusOptions = {}): Promise<AgentBus> {
  const resolved = resolveOptions(options);
  try {
    // Load user stages here first: a missing or broken module fails creation with its own error.
    await loadStages(resolved.stages);
  } catch (error) {
    throw new AgentBusError(ErrorCode.CONFIG, `cannot load pipeline stage: ${(error as Error).message}`, { cause: error });
  }
  const policy = resolved.policy === false ? null : loadPolicyInit(resolved.policy ?? BUNDLED_POLICY_DIR, resolved.policyEntrypoint, resolved.policyCache);
  const kind: PipelineKind = options.pipeline ?? (policy === null ? 'validation' : 'full');
  if (kind === 'full' && policy === null) {
    throw new AgentBusError(ErrorCode.CONFIG, "pipeline 'full' needs a policy; drop `policy: false` or choose pipeline 'validation'");
  }
  if (policy === null) resolved.log('agentbus: running without a policy (policy: false): messages are checked for hash, tenant and limits only');
  else if (kind !== 'full') resolved.log(`agentbus: pipeline '${kind}': the policy is loaded but not evaluated`);
  const deliberation = kind === 'full' && resolved.deliberation !== false ? await startDeliberation(resolved.deliberation, resolved.log) : null;
  const impact = deliberation !== null;
  const makeInner: (wiring: JudgeWiring) => Judge =
    resolved.mode === 'inline' ? await InlineJudge.create(resolved, kind, policy, impact) : (wiring) => new WorkersJudge(resolved, kind, impact, policy, wiring);
  const makeJudge = deliberation === null ? makeInner : (wiring: JudgeWiring) => new DeliberatingJudge(makeInner, deliberation, resolved.deliberation === false ? 1 : resolved.deliberation.threshold, wiring);
  const encodePayloads = resolved.mode === 'workers' && pipelineReadsPayload({ kind, stages: resolved.stages, impact });
  let audit: AuditLog | null = null;
  try {
    audit = resolved.audit === false ? null : await AuditLog.open(resolved.audit);
  } catch (error) {
    await deliberation?.close();
    throw error;
  }
  let delivery;
  try {
    delivery = await openDelivery(options.transport);
  } catch (error) {
    await Promise.all([deliberation?.close(), audit?.close()]);
    throw error;
  }
  try {
    const bus = new AgentBus(options, { policy, pipelineKind: kind, encodePayloads, makeJudge, audit, makeDelivery: delivery.bind });
    await bus.start();
    return bus;
  } catch (error) {
    await Promise.all([delivery.abandon(), deliberation?.close(), audit?.close()]);
    throw error;
  }
}

/** Starts the solver pool and runs the static checks; refuses to start the bus when one fails. */
async function startDeliberation(settings: Exclude<ResolvedOptions['deliberation'], false>, log: (line: string) => void): Promise<Deliberation> {
  let deliberation: Deliberation;
  try {
    deliberation = createDeliberation({
      threshold: settings.threshold,
      ...(settings.policy !== undefined ? { policy: settings.policy } : {}),
      ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
      ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
    });
  } catch (error) {
    throw new AgentBusError(ErrorCode.CONFIG, `cannot load deliberation templates: ${(error as Error).message}`, { cause: error });
  }
  const report = await deliberation.start();
  log(formatStaticCheckReport(report));
  const { compiled, perMessage } = deliberation.modes();
  log(
    `agentbus: deliberation templates compiled (decided without the solver): ${compiled.join(', ') || 'none'}` +
      (perMessage.length === 0 ? '' : `; per message on the solver pool: ${perMessage.map((p) => `${p.template} (${p.reason})`).join(', ')}`),
  );
  if (!report.ok) {
    await deliberation.close();
    throw new AgentBusError(ErrorCode.CONFIG, `deliberation static checks failed:\n${formatStaticCheckReport(report)}`);
  }
  return deliberation;
}
