import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Reading and writing permission lists. Accepted shapes:
 * - agent settings: `{"permissions": {"allow": [...], ...}, ...}` (only `allow` is compared; deny/ask lists
 *   are kept as they are when writing);
 * - `{"allow": [...]}`;
 * - a JSON array of strings;
 * - plain text, one rule or glob per line (blank lines and `#` comments ignored).
 */

export class RuleFileError extends Error {
  override readonly name = 'RuleFileError';
}

export type RuleFileShape = 'settings' | 'allow-object' | 'array' | 'lines';

export interface RuleFile {
  readonly path: string;
  readonly entries: readonly string[];
  readonly shape: RuleFileShape;
  /** The parsed JSON document, to write a consolidated list back in the same shape. */
  readonly document: unknown;
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new RuleFileError(`${where} must be an array of strings`);
  return value.map((v) => v.trim()).filter((v) => v.length > 0);
}

export function parseRuleText(text: string, path = '<input>'): RuleFile {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let document: unknown;
    try {
      document = JSON.parse(trimmed);
    } catch (error) {
      throw new RuleFileError(`${path}: not valid JSON (${(error as Error).message})`);
    }
    if (Array.isArray(document)) return { path, entries: stringList(document, path), shape: 'array', document };
    const object = document as Record<string, unknown>;
    const permissions = object.permissions as Record<string, unknown> | undefined;
    if (permissions !== undefined && typeof permissions === 'object' && permissions !== null && 'allow' in permissions) {
      return { path, entries: stringList(permissions.allow, `${path}: permissions.allow`), shape: 'settings', document };
    }
    if ('allow' in object) return { path, entries: stringList(object.allow, `${path}: allow`), shape: 'allow-object', document };
    throw new RuleFileError(`${path}: expected an array, {"allow": [...]} or {"permissions": {"allow": [...]}}`);
  }
  const entries = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0 && !line.startsWith('#'));
  return { path, entries, shape: 'lines', document: null };
}

export function readRuleFile(path: string): RuleFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuleFileError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseRuleText(text, path);
}

/** Writes `entries` in the shape of `template` (keeps the other settings keys). */
export function writeRuleFile(path: string, entries: readonly string[], template: RuleFile): void {
  let text: string;
  switch (template.shape) {
    case 'settings': {
      const document = structuredClone(template.document) as { permissions: Record<string, unknown> };
      document.permissions.allow = [...entries];
      text = `${JSON.stringify(document, null, 2)}\n`;
      break;
    }
    case 'allow-object': {
      const document = structuredClone(template.document) as Record<string, unknown>;
      document.allow = [...entries];
      text = `${JSON.stringify(document, null, 2)}\n`;
      break;
    }
    case 'array':
      text = `${JSON.stringify(entries, null, 2)}\n`;
      break;
    case 'lines':
      text = `${entries.join('\n')}\n`;
      break;
  }
  writeFileSync(path, text);
}
