// The host built-ins agentbus supplies (regex.*, time.*, json.match_schema, units.*, …): what the
// compiler lets policies call, and what every SDK instance is given, so that a module built by
// `opa build -t wasm` that calls them evaluates too.
//
// Two names per built-in: `regex.match` raises on a built-in error (for modules built by OPA,
// where the SDK has no other way to report it); `agentbus:regex.match`, which modules compiled
// here call, returns `[value]`, or `[]` on a built-in error, so the call is undefined as in OPA.
import { BuiltinError, type HostBuiltinDefinition, type HostBuiltinTable } from './registry.ts';
import { UNITS_BUILTINS } from './units.ts';
import { REGEX_BUILTINS } from './regex.ts';
import { COLLECTION_BUILTINS } from './collections.ts';
import { ENCODING_BUILTINS } from './encoding.ts';
import { JSON_SCHEMA_BUILTINS } from './json-schema.ts';
import { TIME_BUILTINS } from './time.ts';
import { JSON_PATH_BUILTINS } from './json-paths.ts';
import { sdkValue } from './exact-json.ts';

export { BuiltinError, type HostBuiltinDefinition, type HostBuiltinTable };

export const HOST_BUILTINS: HostBuiltinTable = {
  ...UNITS_BUILTINS, ...REGEX_BUILTINS, ...COLLECTION_BUILTINS, ...ENCODING_BUILTINS, ...JSON_SCHEMA_BUILTINS, ...TIME_BUILTINS,
  ...JSON_PATH_BUILTINS,
};

/** The name compiled modules call a host built-in by (its result wrapped: see above). */
export function wrappedBuiltinName(name: string): string {
  return `agentbus:${name}`;
}

function wrapped(impl: HostBuiltinDefinition['impl']): (...args: unknown[]) => unknown {
  return (...args) => {
    try {
      return sdkValue([impl(...args)]);
    } catch (error) {
      if (error instanceof BuiltinError) return [];
      throw error;
    }
  };
}

function exact(impl: HostBuiltinDefinition['impl']): (...args: unknown[]) => unknown {
  return (...args) => sdkValue(impl(...args));
}

/** For the SDK's customBuiltins: both names of every host built-in. */
export const hostBuiltinImplementations: Readonly<Record<string, (...args: any[]) => unknown>> = Object.fromEntries(
  Object.entries(HOST_BUILTINS).flatMap(([name, def]) => [[name, exact(def.impl)], [wrappedBuiltinName(name), wrapped(def.impl)]]),
);
