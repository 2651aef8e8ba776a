import { instantiateZ3, terminateZ3Threads } from '../solver/z3-module.ts';
import { compareRuleSets, type ComparisonReport, type Difference } from './compare.ts';
import { proposeConsolidation } from './consolidate.ts';
import { RegexProver } from './regex-prover.ts';
import { readRuleFile, RuleFileError, writeRuleFile, type RuleFile } from './rule-file.ts';
import { detectMode, parseRule, type RuleMode } from './rules.ts';

/**
 * Offline permission consolidation: prove that a consolidated allow-list covers the original one (nothing
 * lost) and list what it grants beyond it, each with a concrete witness request.
 */

export const EXIT_COVERS = 0;
export const EXIT_LOSES = 1;
export const EXIT_UNREADABLE = 2;

export interface PermissionCheckOutcome {
  readonly exitCode: number;
  readonly report?: ComparisonReport;
  /** Human-readable lines: errors, lost rules, over-grant warnings, a summary. */
  readonly lines: readonly string[];
}

function modeFor(...files: readonly RuleFile[]): RuleMode {
  const settings = files.some((f) => f.shape === 'settings' || detectMode(f.entries) === 'settings');
  return settings ? 'settings' : 'globs';
}

function describe(difference: Difference): string {
  if (difference.undecided !== undefined) return `${difference.rule} — undecided by Z3 (${difference.undecided}); treated as not covered`;
  return `${difference.rule} — e.g. ${JSON.stringify(difference.witness)}`;
}

/** Runs a comparison with a Z3 instance that lives only for the call (offline tool: start-up cost is fine). */
export async function withProver<T>(work: (prover: RegexProver) => T): Promise<T> {
  const z3 = await instantiateZ3();
  const prover = new RegexProver(z3);
  try {
    return work(prover);
  } finally {
    prover.dispose();
    terminateZ3Threads(z3);
  }
}

export function summarise(report: ComparisonReport, strict: boolean): PermissionCheckOutcome {
  const lines: string[] = [];
  for (const lost of report.lost) lines.push(`LOST  ${describe(lost)}`);
  for (const over of report.overGrants) lines.push(`${strict ? 'OVER ' : 'warn '} over-grant ${describe(over)}`);
  const { stats } = report;
  lines.push(
    `${stats.rulesA} original rules, ${stats.rulesB} consolidated; ${report.lost.length} lost, ${report.overGrants.length} over-granting; ` +
      `${stats.settledByJs} settled by the JS pass, ${stats.z3Queries} Z3 queries, ${stats.millis.toFixed(0)} ms`,
  );
  const loses = report.lost.length > 0;
  const fails = loses || (strict && report.overGrants.length > 0);
  lines.push(loses ? 'RESULT: the consolidated set loses permissions' : fails ? 'RESULT: covers the original but grants more (--strict)' : 'RESULT: the consolidated set covers the original (proved)');
  return { exitCode: fails ? EXIT_LOSES : EXIT_COVERS, report, lines };
}

/** Progress of a proof: rules settled so far, of both sets (for progress bars). */
export type ProofProgress = (done: number, total: number) => void;

export async function checkPermissionFiles(originalPath: string, consolidatedPath: string, options: { strict?: boolean; onProgress?: ProofProgress } = {}): Promise<PermissionCheckOutcome> {
  let original: RuleFile;
  let consolidated: RuleFile;
  try {
    original = readRuleFile(originalPath);
    consolidated = readRuleFile(consolidatedPath);
  } catch (error) {
    if (error instanceof RuleFileError) return { exitCode: EXIT_UNREADABLE, lines: [`error: ${error.message}`] };
    throw error;
  }
  const mode = modeFor(original, consolidated);
  const a = original.entries.map((e) => parseRule(e, mode));
  const b = consolidated.entries.map((e) => parseRule(e, mode));
  const report = await withProver((prover) => compareRuleSets(a, b, prover, options.onProgress ? { onProgress: options.onProgress } : {}));
  return summarise(report, options.strict === true);
}

export interface ConsolidationOutcome extends PermissionCheckOutcome {
  readonly proposed?: readonly string[];
}

/** Proposes a consolidation of `inputPath`, proves it, and writes it to `outputPath` when nothing is lost. */
export async function consolidatePermissionFile(inputPath: string, outputPath: string, options: { minGroup?: number; onProgress?: ProofProgress } = {}): Promise<ConsolidationOutcome> {
  let input: RuleFile;
  try {
    input = readRuleFile(inputPath);
  } catch (error) {
    if (error instanceof RuleFileError) return { exitCode: EXIT_UNREADABLE, lines: [`error: ${error.message}`] };
    throw error;
  }
  const mode = modeFor(input);
  const proposed = proposeConsolidation(input.entries, mode, options.minGroup === undefined ? {} : { minGroup: options.minGroup });
  const a = input.entries.map((e) => parseRule(e, mode));
  const b = proposed.map((e) => parseRule(e, mode));
  const report = await withProver((prover) => compareRuleSets(a, b, prover, options.onProgress ? { onProgress: options.onProgress } : {}));
  const outcome = summarise(report, false);
  if (outcome.exitCode === EXIT_COVERS) writeRuleFile(outputPath, proposed, input);
  const head = `${input.entries.length} rules → ${proposed.length}${outcome.exitCode === EXIT_COVERS ? ` (written to ${outputPath})` : ' (not written: the proposal loses permissions)'}`;
  return { ...outcome, proposed, lines: [head, ...outcome.lines] };
}
