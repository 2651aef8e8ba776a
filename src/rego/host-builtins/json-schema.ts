// json.match_schema / json.verify_schema on ajv (a maintained JSON Schema validator; drafts 4–7
// through its default and draft-04-compatible modes, as OPA's gojsonschema accepts). Errors are
// reported in gojsonschema's shape ({error, type, field, desc}) for the keywords whose wording we
// reproduce; any other failure is described by ajv's own message, with its keyword as the type.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LRUCache } from 'lru-cache';
import { BuiltinError, type HostBuiltinTable } from './registry.ts';

const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
const validators = new LRUCache<string, ValidateFunction>({ max: 64 });

function parse(name: string, v: unknown, what: string): unknown {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch (error) { throw new BuiltinError(name, `${what} is not valid JSON: ${(error as Error).message}`); }
}

function validator(name: string, schema: unknown): ValidateFunction {
  const parsed = parse(name, schema, 'schema');
  if (typeof parsed !== 'boolean' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) throw new BuiltinError(name, 'schema must be an object or a boolean');
  const key = JSON.stringify(parsed);
  let fn = validators.get(key);
  if (fn === undefined) {
    try { fn = ajv.compile(parsed as object); } catch (error) { throw new BuiltinError(name, (error as Error).message); }
    validators.set(key, fn);
  }
  return fn;
}

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

function describe(error: ErrorObject, document: unknown): { error: string; type: string; field: string; desc: string } {
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let field = path.length === 0 ? '(root)' : path.join('.');
  let value: unknown = document;
  for (const p of path) value = (value as Record<string, unknown> | null)?.[p];
  let type = error.keyword;
  let desc = error.message ?? error.keyword;
  if (error.keyword === 'type') {
    type = 'invalid_type';
    desc = `Invalid type. Expected: ${String(error.params.type)}, given: ${jsonType(value)}`;
  } else if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty);
    type = 'required';
    desc = `${missing} is required`;
  }
  return { error: `${field}: ${desc}`, type, field, desc };
}

export const JSON_SCHEMA_BUILTINS: HostBuiltinTable = {
  'json.verify_schema': {
    arity: 1,
    impl: (schema: unknown) => {
      try { validator('json.verify_schema', schema); return [true, null]; } catch (error) { return [false, (error as Error).message]; }
    },
  },
  'json.match_schema': {
    arity: 2,
    impl: (document: unknown, schema: unknown) => {
      const validate = validator('json.match_schema', schema);
      const doc = parse('json.match_schema', document, 'document');
      if (validate(doc)) return [true, []];
      return [false, (validate.errors ?? []).map((e) => describe(e, doc))];
    },
  },
};
