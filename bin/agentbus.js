#!/usr/bin/env node
// The `agentbus` command. The built package runs dist/; a source checkout runs src/ through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/src/cli.js', import.meta.url);
if (existsSync(built)) {
  const { main } = await import(built.href);
  await main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(new URL('../src/cli.ts', import.meta.url).href);
  await main();
}
