import { ErrorCode, isErrorCode, reject, type Rejection } from '../errors.ts';

/**
 * A stage's answer as the pipeline may trust it: null (pass) or a Rejection with a known code and an array
 * of string reasons. Anything else — `false`, `undefined`, `{ reasons }` without a code, an unknown code — is
 * a broken stage, and a broken stage has not approved the message: it becomes E_INTERNAL (fail closed), the
 * same in every judge, and never reaches the wire as something a verdict writer cannot encode.
 */
export function checkedStageResult(answer: unknown): Rejection | null {
  if (answer === null) return null;
  if (isWellFormedRejection(answer)) return answer;
  return reject(ErrorCode.INTERNAL, `pipeline stage returned neither null nor a rejection with a known code and string reasons (got ${describe(answer)})`);
}

function isWellFormedRejection(answer: unknown): answer is Rejection {
  if (typeof answer !== 'object' || answer === null) return false;
  const { code, reasons } = answer as { code?: unknown; reasons?: unknown };
  if (!isErrorCode(code) || !Array.isArray(reasons)) return false;
  for (const reason of reasons) if (typeof reason !== 'string') return false;
  return true;
}

function describe(answer: unknown): string {
  if (answer === undefined || answer === null) return String(answer);
  if (typeof answer !== 'object') return `${typeof answer} ${String(answer).slice(0, 40)}`;
  return `an object with keys [${Object.keys(answer).slice(0, 8).join(', ')}]`;
}
