// METADATA annotations (OPA's ast/annotations.go): a comment block starting with `# METADATA` at
// column 1, YAML in the comment lines below it, attached to the first statement after it. What
// `rego.metadata.rule()` returns is built here, in OPA's shape (ast.Annotations.toObject), from
// the rule-scope block right above the rule; the YAML is read only for rules that call it.
import YAML from 'yaml';
import { RegoCompileError, unsupported, type Location, type MetadataBlock, type Module } from './ast.ts';

/** Every METADATA block of a source text. */
export function metadataBlocks(source: string): MetadataBlock[] {
  const lines = source.split('\n');
  const blocks: MetadataBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trimEnd() !== '# METADATA') continue;
    const yaml: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.startsWith('#'); j++) yaml.push(lines[j]!.slice(1));
    blocks.push({ line: i + 1, yaml: yaml.join('\n') });
    i = j - 1;
  }
  return blocks;
}

/**
 * The module with each METADATA block attached to the rule that is the first statement after it
 * (a block before an import or the package annotates those, which rules do not see).
 */
export function attachMetadata(module: Module, source: string): Module {
  const blocks = metadataBlocks(source);
  if (blocks.length === 0) return module;
  const packageLine = source.split('\n').findIndex((line) => /^\s*package\b/.test(line)) + 1;
  const ruleLines = new Set(module.rules.map((r) => r.loc.line));
  const statementLines = [packageLine, ...module.imports.map((i) => i.loc.line), ...ruleLines].sort((a, b) => a - b);
  const byRuleLine = new Map<number, MetadataBlock>();
  for (const block of blocks) {
    const next = statementLines.find((line) => line > block.line);
    if (next !== undefined && ruleLines.has(next) && next !== packageLine) byRuleLine.set(next, block);
  }
  return { ...module, rules: module.rules.map((r) => (byRuleLine.has(r.loc.line) ? { ...r, metadata: byRuleLine.get(r.loc.line)! } : r)) };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function author(v: unknown, loc: Location): Json {
  if (typeof v === 'string') {
    const parts = v.split(/\s+/).filter((p) => p.length > 0);
    if (parts.length === 0) throw new RegoCompileError(loc, 'annotations', 'rego_parse_error: author is an empty string');
    const last = parts[parts.length - 1]!;
    const email = last.length >= 2 && last.startsWith('<') && last.endsWith('>') ? last.slice(1, -1) : '';
    const name = parts.slice(0, email ? -1 : parts.length).join(' ');
    return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const { name, email } = v as { name?: unknown; email?: unknown };
    return { ...(typeof name === 'string' && name ? { name } : {}), ...(typeof email === 'string' && email ? { email } : {}) };
  }
  throw new RegoCompileError(loc, 'annotations', 'rego_parse_error: an author must be a string or an object');
}

function relatedResource(v: unknown, loc: Location): Json {
  if (typeof v === 'string') return { ref: v };
  if (v !== null && typeof v === 'object' && typeof (v as { ref?: unknown }).ref === 'string') {
    const { ref, description } = v as { ref: string; description?: unknown };
    return { ref, ...(typeof description === 'string' && description ? { description } : {}) };
  }
  throw new RegoCompileError(loc, 'annotations', 'rego_parse_error: a related resource must be a URL or an object with ref');
}

/** The value of `rego.metadata.rule()` for a rule with this METADATA block (or none). */
export function ruleAnnotations(block: MetadataBlock | undefined, loc: Location): Json {
  if (!block) return {};
  let doc: unknown;
  try { doc = YAML.parse(block.yaml); } catch (error) {
    throw new RegoCompileError(loc, 'annotations', `rego_parse_error: yaml: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new RegoCompileError(loc, 'annotations', 'rego_parse_error: a METADATA block must be a YAML mapping');
  const a = doc as Record<string, unknown>;
  const scope = typeof a.scope === 'string' ? a.scope : a.entrypoint === true ? 'document' : 'rule';
  // Only rule-scope annotations are the rule's own; document scope belongs to the rule group.
  if (scope !== 'rule') return {};
  if (a.schemas !== undefined) throw unsupported(loc, 'rego.metadata.rule() for a rule with schemas annotations');
  const out: { [key: string]: Json } = { scope };
  if (typeof a.title === 'string' && a.title) out.title = a.title;
  if (typeof a.description === 'string' && a.description) out.description = a.description;
  if (Array.isArray(a.organizations) && a.organizations.length > 0) out.organizations = a.organizations.map(String);
  if (Array.isArray(a.related_resources) && a.related_resources.length > 0) out.related_resources = a.related_resources.map((r) => relatedResource(r, loc));
  if (Array.isArray(a.authors) && a.authors.length > 0) out.authors = a.authors.map((x) => author(x, loc));
  if (a.custom !== undefined && a.custom !== null) {
    if (typeof a.custom !== 'object' || Array.isArray(a.custom)) throw new RegoCompileError(loc, 'annotations', 'rego_parse_error: custom must be a mapping');
    if (Object.keys(a.custom).length > 0) out.custom = a.custom as Json;
  }
  return out;
}
