import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

/**
 * The installed package's version, read from its package.json at run time: the nearest one above this file
 * (src/cli/ in a checkout, dist/src/cli/ once installed) whose name is agentbus, so it is never out of date.
 */
export function packageVersion(): string {
  if (version !== undefined) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'agentbus' && typeof manifest.version === 'string') return (version = manifest.version);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('agentbus: cannot find its own package.json');
    dir = parent;
  }
}
