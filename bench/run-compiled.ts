/**
 * `node --import tsx bench/run-compiled.ts bench/<script>.ts [args…]`: runs a bench script compiled, as the
 * bench measures everything (compiled.ts), in a child process that exits with the script's exit code.
 * The npm scripts of the benches that put the bus under load (overload, soak, bench:redis) start through it.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCompiled } from './compiled.ts';

const [script, ...args] = process.argv.slice(2);
if (script === undefined) {
  process.stderr.write('usage: node --import tsx bench/run-compiled.ts bench/<script>.ts [args…]\n');
  process.exit(2);
}
// Ctrl-C reaches the child through the terminal's process group; the parent only waits for it.
process.on('SIGINT', () => {});
process.exit(await runCompiled(pathToFileURL(resolve(script)), args));
