#!/usr/bin/env node
// The `agentbus` command. A source checkout runs src/ through tsx (so it is never a stale build); the
// published package, which ships only dist/, runs the compiled code.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(source.href);
  await main();
} else {
  const { main } = await import(new URL('../dist/src/cli.js', import.meta.url).href);
  await main();
}
