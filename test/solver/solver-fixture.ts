import { after, before } from 'node:test';
import { DEFAULT_POLICY_URL, loadDeliberationPolicy, type DeliberationPolicy } from '../../src/solver/policy.ts';
import { TemplateSolver } from '../../src/solver/template-solver.ts';
import { instantiateZ3, terminateZ3Threads, type Z3Instance } from '../../src/solver/z3-module.ts';
import { Z3Session } from '../../src/solver/z3-session.ts';

export interface TemplateSolverFixture {
  readonly policy: DeliberationPolicy;
  /** Set in `before`: one Z3 instance per test file (each reserves ~10 GB virtual); sessions are cheap. */
  z3: Z3Instance;
  session: Z3Session;
  /** A solver per template of the default deliberation policy, by template id. */
  readonly solvers: Map<string, TemplateSolver>;
}

/** Registers before/after hooks that start Z3 with a solver per default template, and free it all after. */
export function useDefaultTemplateSolvers(): TemplateSolverFixture {
  const fixture = { policy: loadDeliberationPolicy(DEFAULT_POLICY_URL), solvers: new Map<string, TemplateSolver>() } as TemplateSolverFixture;
  before(async () => {
    fixture.z3 = await instantiateZ3();
    fixture.session = new Z3Session(fixture.z3);
    for (const t of fixture.policy.templates) fixture.solvers.set(t.id, new TemplateSolver(fixture.session, t, 200_000));
  });
  after(() => {
    for (const solver of fixture.solvers.values()) solver.dispose();
    fixture.session.dispose();
    terminateZ3Threads(fixture.z3);
  });
  return fixture;
}
