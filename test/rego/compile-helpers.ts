// Test helper: compile Rego text and evaluate it through the official SDK (real wasm, no mocks).
import { compilePolicy } from '../../src/rego/build.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';

export function evalRego(text: string, entrypoint: string, input?: unknown, data?: unknown): unknown {
  const { wasm } = compilePolicy([{ file: 'test.rego', text }], { entrypoints: [entrypoint] });
  const policy = loadPolicySync(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  if (data !== undefined) policy.setData(data as object);
  return policy.evaluate(input);
}

/** The value of the entrypoint, or undefined when the result set is empty. */
export function valueOf(text: string, entrypoint: string, input?: unknown, data?: unknown): unknown {
  const rs = evalRego(text, entrypoint, input, data) as { result: unknown }[];
  return rs.length === 0 ? undefined : rs[0]!.result;
}
