// base64 / base64url / urlquery / crypto hashes / semver / net.cidr_contains as OPA defines them,
// on Node's Buffer, URLSearchParams-free Go escaping, node:crypto, node:net's BlockList and the
// `semver` package.
import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import semver from 'semver';
import { BuiltinError, type HostBuiltinTable } from './registry.ts';

function str(name: string, v: unknown, position = 1): string {
  if (typeof v !== 'string') throw new BuiltinError(name, `operand ${position} must be string`);
  return v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/** Go's url.QueryEscape: space as '+', everything but unreserved characters %XX-escaped. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}
function queryUnescape(name: string, s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { throw new BuiltinError(name, `invalid URL escape in ${JSON.stringify(s)}`); }
}

function hash(algorithm: string, name: string) {
  return { arity: 1, impl: (v: unknown) => createHash(algorithm).update(str(name, v), 'utf8').digest('hex') };
}

function version(name: string, v: unknown, position: number): string {
  const s = str(name, v, position);
  if (semver.valid(s) === null || s.startsWith('v')) throw new BuiltinError(name, `operand ${position}: string ${JSON.stringify(s)} is not a valid SemVer`);
  return s;
}

function subnet(name: string, cidr: unknown, position: number): { list: BlockList; address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const s = str(name, cidr, position);
  const [address, bitsText] = s.split('/');
  const family = isIP(address ?? '');
  const prefix = Number(bitsText);
  if (family === 0 || bitsText === undefined || !/^\d+$/.test(bitsText) || prefix > (family === 4 ? 32 : 128)) throw new BuiltinError(name, `invalid CIDR address: ${s}`);
  const list = new BlockList();
  const fam = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(address!, prefix, fam);
  return { list, address: address!, prefix, family: fam };
}

export const ENCODING_BUILTINS: HostBuiltinTable = {
  'base64.encode': { arity: 1, impl: (v: unknown) => Buffer.from(str('base64.encode', v), 'utf8').toString('base64') },
  'base64.decode': {
    arity: 1,
    impl: (v: unknown) => {
      const s = str('base64.decode', v);
      if (!BASE64.test(s)) throw new BuiltinError('base64.decode', 'illegal base64 data');
      return Buffer.from(s, 'base64').toString('utf8');
    },
  },
  'base64.is_valid': { arity: 1, impl: (v: unknown) => typeof v === 'string' && BASE64.test(v) },
  'base64url.encode': { arity: 1, impl: (v: unknown) => Buffer.from(str('base64url.encode', v), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_') },
  'base64url.encode_no_pad': { arity: 1, impl: (v: unknown) => Buffer.from(str('base64url.encode_no_pad', v), 'utf8').toString('base64url') },
  'base64url.decode': {
    arity: 1,
    impl: (v: unknown) => {
      const s = str('base64url.decode', v);
      if (!BASE64URL.test(s)) throw new BuiltinError('base64url.decode', 'illegal base64 data');
      return Buffer.from(s, 'base64url').toString('utf8');
    },
  },
  'urlquery.encode': { arity: 1, impl: (v: unknown) => queryEscape(str('urlquery.encode', v)) },
  'urlquery.decode': { arity: 1, impl: (v: unknown) => queryUnescape('urlquery.decode', str('urlquery.decode', v)) },
  'urlquery.encode_object': {
    arity: 1,
    impl: (o: unknown) => {
      if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new BuiltinError('urlquery.encode_object', 'operand 1 must be object');
      // Go's url.Values.Encode: keys sorted, each value in order.
      return Object.keys(o).sort().flatMap((k) => {
        const v = (o as Record<string, unknown>)[k];
        const values = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
        if (values === null || !values.every((x) => typeof x === 'string')) throw new BuiltinError('urlquery.encode_object', 'values must be strings, arrays or sets of strings');
        return (values as string[]).map((x) => `${queryEscape(k)}=${queryEscape(x)}`);
      }).join('&');
    },
  },
  'urlquery.decode_object': {
    arity: 1,
    impl: (v: unknown) => {
      const out: Record<string, string[]> = {};
      for (const part of str('urlquery.decode_object', v).split(/[&]/)) {
        if (part === '') continue;
        const at = part.indexOf('=');
        const key = queryUnescape('urlquery.decode_object', at < 0 ? part : part.slice(0, at));
        const value = at < 0 ? '' : queryUnescape('urlquery.decode_object', part.slice(at + 1));
        (out[key] ??= []).push(value);
      }
      return out;
    },
  },
  'crypto.sha256': hash('sha256', 'crypto.sha256'),
  'crypto.sha1': hash('sha1', 'crypto.sha1'),
  'crypto.md5': hash('md5', 'crypto.md5'),
  'semver.is_valid': { arity: 1, impl: (v: unknown) => typeof v === 'string' && !v.startsWith('v') && semver.valid(v) !== null },
  'semver.compare': { arity: 2, impl: (a: unknown, b: unknown) => semver.compare(version('semver.compare', a, 1), version('semver.compare', b, 2)) },
  'net.cidr_contains': {
    arity: 2,
    impl: (cidr: unknown, target: unknown) => {
      const outer = subnet('net.cidr_contains', cidr, 1);
      const t = str('net.cidr_contains', target, 2);
      if (!t.includes('/')) {
        const family = isIP(t);
        if (family === 0) throw new BuiltinError('net.cidr_contains', `invalid IP address: ${t}`);
        return (family === 4 ? 'ipv4' : 'ipv6') === outer.family && outer.list.check(t, outer.family);
      }
      const inner = subnet('net.cidr_contains', t, 2);
      return inner.family === outer.family && inner.prefix >= outer.prefix && outer.list.check(inner.address, outer.family);
    },
  },
};
