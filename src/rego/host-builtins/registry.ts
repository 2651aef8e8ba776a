// The shape of a host built-in: a JavaScript implementation the SDK calls through opa_builtinN
// (its customBuiltins), with the arity the compiler checks calls against. Values cross as JSON,
// so a set argument arrives as an array (built-ins that must tell sets from arrays are native).

export interface HostBuiltinDefinition {
  readonly arity: number;
  readonly impl: (...args: any[]) => unknown;
  /**
   * The result copies the operands' structure (json.remove, object.union, …): a set nested in an
   * operand would come back as an array, so the compiled call refuses one instead.
   */
  readonly guardNestedSets?: boolean;
}

export type HostBuiltinTable = Readonly<Record<string, HostBuiltinDefinition>>;

/**
 * A built-in error: OPA makes the call undefined (or, in strict mode, fails the query). Through
 * the SDK a throw fails the evaluation, which is what strict mode does.
 */
export class BuiltinError extends Error {
  constructor(name: string, message: string) {
    super(`${name}: ${message}`);
    this.name = 'BuiltinError';
  }
}
