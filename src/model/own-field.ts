/**
 * A string an untrusted input holds as its own data property, or undefined. A getter is never called (it could
 * throw, or answer differently each time), and a Proxy whose traps throw gives undefined: this never throws.
 */
export function ownStringField(input: unknown, key: string): string | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  try {
    const value = Object.getOwnPropertyDescriptor(input, key)?.value;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
