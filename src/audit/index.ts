export { AuditLog, type AuditLogOptions, type AuditOnFull, type AuditStats } from './audit-log.ts';
export { AuditLogDamagedError, type ChainHead } from './chain-writer.ts';
export { GENESIS_HASH } from './chain.ts';
export { auditRecordOf, type AuditDeliberation, type AuditedMessage, type AuditedOutcome, type AuditRecord, type ChainedRecord } from './record.ts';
export { AuditUnreadableError, verifyAudit, type AuditFault, type AuditFaultKind, type AuditVerification, type VerifyAuditOptions } from './verify.ts';
export { auditDeliberationOf, auditedInput, AuditGate } from './bus-hooks.ts';
