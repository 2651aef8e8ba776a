import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import type { Stage } from './index.ts';

let typescriptLoaderRegistered = false;

/** Stage modules written in TypeScript load through tsx (a dependency), in whichever thread asks. */
async function ensureTypeScriptLoader(): Promise<void> {
  if (typescriptLoaderRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  typescriptLoaderRegistered = true;
}

/**
 * Loads user stages (module path or file URL, default export a Stage). Same code on the main thread (which
 * loads them once at start, so a broken stage fails `createAgentBus()`, not every worker) and in workers.
 */
export async function loadStages(specifiers: readonly string[]): Promise<Stage[]> {
  const stages: Stage[] = [];
  for (const specifier of specifiers) {
    const url = specifier.startsWith('file:') ? specifier : pathToFileURL(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
    if (/\.[cm]?ts$/.test(url)) await ensureTypeScriptLoader();
    const loaded = (await import(url)) as { default?: unknown };
    if (typeof loaded.default !== 'function') throw new Error(`stage module ${specifier} has no default-exported function`);
    stages.push(loaded.default as Stage);
  }
  return stages;
}
