// `agentbus deliberation explain [policy.json]`: how each deliberation template is decided — compiled to an
// exact predicate at load (and its eliminated form), or per message by Z3 — without starting a bus.
import type { Command } from 'commander';
import { writeJson } from './conventions.ts';
import { EXIT_ERROR } from './exit-codes.ts';

export interface DeliberationExplainOptions {
  readonly json?: boolean;
}

/** Returns the lines to print; throws on a policy that does not load (the command exits 2: no answer). */
export async function runDeliberationExplain(policyPath: string | undefined, options: DeliberationExplainOptions = {}): Promise<string[]> {
  const { DEFAULT_POLICY_URL, loadDeliberationPolicy } = await import('../solver/policy.ts');
  const { explainCompiled, formatExplanation } = await import('../solver/compile/explain.ts');
  const policy = loadDeliberationPolicy(policyPath ?? DEFAULT_POLICY_URL);
  const explanations = await explainCompiled(policy);
  return options.json === true ? [JSON.stringify({ revision: policy.revision, templates: explanations }, null, 2)] : formatExplanation(policy.revision, explanations);
}

export function registerDeliberationCommands(program: Command): void {
  const deliberation = program.command('deliberation').description('inspect the deliberation policy (Z3 constraint templates for high-impact messages)');
  deliberation
    .command('explain')
    .description("compile each template as the bus does at start and print its mode (compiled predicate or per-message Z3) and eliminated form")
    .argument('[policy]', 'deliberation policy JSON (default: the bundled policies/deliberation.json)')
    .option('--json', 'print one JSON document', false)
    .action(async (policy: string | undefined, options: DeliberationExplainOptions) => {
      try {
        for (const line of await runDeliberationExplain(policy, options)) console.log(line);
      } catch (error) {
        if (options.json === true) writeJson({ error: (error as Error).message });
        else console.error(`error: ${(error as Error).message}`);
        process.exitCode = EXIT_ERROR;
      }
    });
}
