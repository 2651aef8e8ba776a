// Entry point of the prebuilt runtime: the ABI exports plus the helpers generated code calls.
export * from "./abi";
export * from "./ops";
export * from "./builtins";
export * from "./builtins-structure";
