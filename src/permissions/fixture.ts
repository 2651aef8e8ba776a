/**
 * A deterministic permission allow-list of realistic shape, for benchmarks and tests: Bash commands grouped
 * by program, file rules grouped by directory, WebFetch domains grouped by parent domain, MCP tools grouped
 * by server, and some one-off rules. 200 rules consolidate to about 58.
 */
import { seededRandom } from '../seeded-random.ts';

const PROGRAMS: Record<string, readonly string[]> = {
  git: ['add', 'commit', 'status', 'diff', 'log', 'show', 'branch', 'fetch'],
  npm: ['run test', 'run build', 'run lint', 'install', 'ci', 'view'],
  docker: ['ps', 'images', 'logs', 'build', 'compose up', 'inspect'],
  kubectl: ['get pods', 'get svc', 'describe pod', 'logs', 'top pods', 'rollout status'],
  cargo: ['build', 'test', 'check', 'clippy', 'fmt', 'doc'],
  make: ['test', 'build', 'lint', 'clean', 'docs', 'check'],
  python3: ['-m pytest', '-m mypy', '-m black', '-m ruff', '-m pip list', '-m build'],
  node: ['--version', '--test', 'scripts/build.js', 'scripts/gen.js', 'bench/run.js', 'tools/check.js'],
  jq: ['.', '.name', '.version', '.scripts', '.dependencies', '-r .id'],
  gh: ['pr list', 'pr view', 'issue list', 'issue view', 'run list', 'run view'],
  terraform: ['plan', 'validate', 'fmt', 'show', 'output', 'state list'],
  go: ['test ./...', 'build ./...', 'vet ./...', 'mod tidy', 'env', 'version'],
};
const DIRECTORIES = ['/repo/src/bus', '/repo/src/rego', '/repo/src/solver', '/repo/test/unit', '/repo/docs/guide', '/repo/bench', '/repo/policies', '/repo/scripts'];
const FILES = ['index.ts', 'types.ts', 'util.ts', 'README.md', 'config.json', 'main.ts'];
const PARENT_DOMAINS = ['example.com', 'docs.rs', 'github.io', 'npmjs.com', 'python.org', 'mozilla.org'];
const SUBDOMAINS = ['docs', 'api', 'www', 'blog', 'status', 'cdn'];
const MCP_SERVERS = ['linear', 'github', 'sentry', 'notion'];
const MCP_TOOLS = ['list_issues', 'get_issue', 'create_comment', 'search', 'update_status', 'list_projects'];
const ONE_OFFS = [
  'Bash(echo hello)', 'Bash(pwd)', 'Bash(whoami)', 'Bash(date)', 'WebFetch(domain:example.org)', 'WebFetch(domain:localhost)',
  'Read(/etc/hosts)', 'Read(~/.gitconfig)', 'Edit(/repo/package.json)', 'Write(/tmp/scratch.txt)', 'WebSearch', 'mcp__ide__getDiagnostics',
];

function pick<T>(items: readonly T[], count: number, next: () => number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(next() * pool.length), 1)[0] as T);
  return chosen;
}

export function permissionFixture(seed = 42): string[] {
  const next = seededRandom(seed);
  const rules: string[] = [];
  for (const [program, subcommands] of Object.entries(PROGRAMS)) {
    for (const sub of pick(subcommands, 6, next)) rules.push(next() < 0.7 ? `Bash(${program} ${sub}:*)` : `Bash(${program} ${sub})`);
  }
  for (const tool of ['Read', 'Edit', 'Write']) {
    for (const dir of DIRECTORIES) for (const file of pick(FILES, 3, next)) rules.push(`${tool}(${dir}/${file})`);
  }
  for (const parent of PARENT_DOMAINS) for (const sub of pick(SUBDOMAINS, 4, next)) rules.push(`WebFetch(domain:${sub}.${parent})`);
  for (const server of MCP_SERVERS) for (const tool of pick(MCP_TOOLS, 5, next)) rules.push(`mcp__${server}__${tool}`);
  rules.push(...ONE_OFFS);
  return rules;
}
