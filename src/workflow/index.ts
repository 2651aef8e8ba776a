export { isRetryable, type WorkflowBus } from './attempt.ts';
export type { AttemptOutcome, CompensationOutcome, StepOutcome, WorkflowResult, WorkflowSendResult, WorkflowStatus } from './result.ts';
export { runWorkflow, type RunWorkflowOptions } from './run.ts';
export { defineWorkflow, type StepContext, type StepMessage, type StepMessageSource, type WorkflowDefinition, type WorkflowMode, type WorkflowSpec, type WorkflowStep } from './spec.ts';
