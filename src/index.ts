export { AgentBus, type BusOptions, type SendResult } from './bus.ts';
export { createAgentBus } from './create-bus.ts';
export { BUNDLED_POLICY_DIR } from './pipeline/policy-loader.ts';
export type { AgentBusOptions } from './config.ts';
export { AgentBusError, ErrorCode, isErrorCode, type Rejection } from './errors.ts';
export {
  createMessage,
  DEFAULT_CONSTITUTIONAL_HASH,
  DEFAULT_LIMITS,
  MessageType,
  Priority,
  type AgentMessage,
  type JsonValue,
  type MessageInput,
  type MessageLimits,
} from './model/message.ts';
export type { AgentHandler, AgentRegistration, RegisteredAgent } from './delivery/registry.ts';
export type { MetricsSnapshot, SendStatus } from './metrics/bus-metrics.ts';
export type { SendOptions } from './model/send-result.ts';
export type { AgentInfo } from './model/registry-snapshot.ts';
export type { TransportOption } from './delivery/transport-option.ts';
export type { RedisTransportOptions } from './delivery/redis/options.ts';
export type { PercentileSummary } from './metrics/histogram.ts';
export type { Stage, PipelineItem, PipelineContext } from './pipeline/index.ts';
export { AuditLog, verifyAudit, type AuditLogOptions, type AuditRecord, type AuditVerification } from './audit/index.ts';
export { signMessage, verifyMessageSignature, ReplayGuard, type SignedMessage } from './signature/index.ts';
export { defineWorkflow, runWorkflow, type WorkflowResult, type WorkflowSpec, type WorkflowStep } from './workflow/index.ts';
