// The message of whatever a policy evaluation threw. The official SDK throws plain objects
// (`{ message }` for a missing built-in), bare strings (a policy's abort text) and Errors (wasm
// traps); `String(thrown)` turns the first into "[object Object]" and loses the problem.

export function describePolicyError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  if (error !== null && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message.length > 0) return message;
    try {
      const text = JSON.stringify(error);
      if (text !== undefined && text !== '{}') return text;
    } catch {
      // A cyclic object: fall through to its tag.
    }
    return Object.prototype.toString.call(error);
  }
  return String(error);
}
