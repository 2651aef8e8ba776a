/**
 * Impact scoring, the single-pass scorer (src/pipeline/impact.ts) against the scorer it replaced
 * (bench/reference/impact-v1.ts), in one process, alternating rounds so both see the same machine state.
 *
 * `npm run bench:impact [-- --rounds 201 --messages 256 --passes 1]` (256 messages, as bench/micro.ts samples)
 *
 * Per round, each scorer scores every scenario message `passes` times; the figure is ns per message. Rounds
 * are short, so on a busy machine some of them run undisturbed: the fastest round ("best") is the steadier
 * figure there, the median the one to quote on a quiet machine. The scores are first checked equal on every
 * message (a bench of a scorer that disagrees means nothing). Read the ratios: on a shared machine absolute
 * figures move between runs far more than the ratio does. Issue 11's target, ≤ 2 µs per scenario message
 * where the reference took 14.5 µs (BENCHMARKS.md's micro table), is a speed-up of ≥ 7.25× on the first row.
 */
import { parseArgs } from 'node:util';
import { resolveOptions } from '../src/config.ts';
import { acceptMessage } from '../src/intake/accept.ts';
import type { AgentMessage } from '../src/model/message.ts';
import { scoreImpact } from '../src/pipeline/impact.ts';
import { scoreImpact as referenceScoreImpact } from './reference/impact-v1.ts';
import { textTable } from './report/format.ts';
import { buildScenario } from './scenario.ts';

type Scorer = (message: AgentMessage, senderVolume?: number) => number;

export interface ImpactBenchRow {
  workload: string;
  /** Median and fastest round, ns per message. */
  referenceNs: { median: number; best: number };
  singlePassNs: { median: number; best: number };
  /** reference / single-pass, of the medians and of the best rounds: how many times faster the single-pass scorer is. */
  speedup: { median: number; best: number };
}

function scenarioMessages(count: number): { all: AgentMessage[]; high: AgentMessage[]; ordinary: AgentMessage[] } {
  const options = resolveOptions({});
  const scenario = buildScenario({ count });
  const all: AgentMessage[] = [];
  const high: AgentMessage[] = [];
  const ordinary: AgentMessage[] = [];
  scenario.messages.forEach((input, i) => {
    const intake = acceptMessage(input, options.constitutionalHash, options.limits, 0);
    if (!intake.ok) return;
    all.push(intake.value.message);
    (scenario.kinds[i] === 'high-impact' ? high : ordinary).push(intake.value.message);
  });
  return { all, high, ordinary };
}

let sink = 0;

/** ns per message for one pass-set over `messages`. */
function timeOnce(score: Scorer, messages: readonly AgentMessage[], passes: number): number {
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < messages.length; i++) sink += score(messages[i] as AgentMessage, i & 7);
  }
  return Number(process.hrtime.bigint() - start) / (messages.length * passes);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Alternates the two scorers round by round (which goes first alternates too) and reports each one's median. */
function compare(workload: string, messages: readonly AgentMessage[], rounds: number, passes: number): ImpactBenchRow {
  const reference: number[] = [];
  const singlePass: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      reference.push(timeOnce(referenceScoreImpact, messages, passes));
      singlePass.push(timeOnce(scoreImpact, messages, passes));
    } else {
      singlePass.push(timeOnce(scoreImpact, messages, passes));
      reference.push(timeOnce(referenceScoreImpact, messages, passes));
    }
  }
  const referenceNs = { median: median(reference), best: Math.min(...reference) };
  const singlePassNs = { median: median(singlePass), best: Math.min(...singlePass) };
  const speedup = { median: referenceNs.median / singlePassNs.median, best: referenceNs.best / singlePassNs.best };
  return { workload, referenceNs, singlePassNs, speedup };
}

export function runImpactBench(settings: { rounds: number; messages: number; passes: number }): ImpactBenchRow[] {
  const { all, high, ordinary } = scenarioMessages(settings.messages);
  for (const message of all) {
    for (const volume of [0, 7]) {
      const expected = referenceScoreImpact(message, volume);
      const actual = scoreImpact(message, volume);
      if (actual !== expected) throw new Error(`scorers disagree on message ${message.id}: reference ${expected}, single-pass ${actual}`);
    }
  }
  // Warm both up to their optimised code before the first timed round.
  compare('warm-up', all, 2, 1);
  return [
    compare(`scenario messages (${all.length})`, all, settings.rounds, settings.passes),
    compare(`ordinary only (${ordinary.length})`, ordinary, settings.rounds, settings.passes),
    compare(`high-impact only (${high.length})`, high, settings.rounds, settings.passes * 8),
  ];
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '201' },
      messages: { type: 'string', default: '256' },
      passes: { type: 'string', default: '1' },
    },
  });
  const rows = runImpactBench({ rounds: Number(values.rounds), messages: Number(values.messages), passes: Number(values.passes) });
  process.stdout.write(
    textTable(
      ['workload', 'reference ns/msg (median, best)', 'single-pass ns/msg (median, best)', 'speed-up (median, best)'],
      rows.map((r) => [
        r.workload,
        `${r.referenceNs.median.toFixed(0)}, ${r.referenceNs.best.toFixed(0)}`,
        `${r.singlePassNs.median.toFixed(0)}, ${r.singlePassNs.best.toFixed(0)}`,
        `${r.speedup.median.toFixed(1)}×, ${r.speedup.best.toFixed(1)}×`,
      ]),
    ) + '\n',
  );
  process.stdout.write(`(medians of ${values.rounds} alternating rounds; sink ${sink > 0 ? 'ok' : '0'})\n`);
}
