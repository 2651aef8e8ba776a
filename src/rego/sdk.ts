// The official SDK's ESM entry exports only `loadPolicy` by name (and everything as the default
// export), while its type declarations promise named exports: bridge the two here, once.
import * as sdkNamespace from '@open-policy-agent/opa-wasm';

type Sdk = typeof sdkNamespace;
const sdk: Sdk = ((sdkNamespace as unknown as { default?: Sdk }).default ?? sdkNamespace);

export const loadPolicySync: Sdk['loadPolicySync'] = sdk.loadPolicySync;
export const loadPolicy: Sdk['loadPolicy'] = sdk.loadPolicy;
export type LoadedPolicy = ReturnType<Sdk['loadPolicySync']>;
