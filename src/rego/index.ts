// The Rego-subset compiler and bundle handling (public surface).
export { compilePolicy, planPolicy, dumpIr, type RegoSource, type CompileOptions, type CompiledPolicy } from './build.ts';
export { RegoCompileError, formatLocation, type Location } from './ast.ts';
export {
  loadPolicySource, readBundle, writeBundle, buildBundle, readPolicyDirectory, moduleEntrypoints,
  DEFAULT_ENTRYPOINT, type Bundle, type BundleManifest, type PolicySource, type LoadOptions,
} from './bundle.ts';
export { runtimeWasmPath, loadRuntimeWasm } from './runtime.ts';
