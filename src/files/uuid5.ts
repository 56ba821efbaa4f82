/**
 * Name-based UUIDs (version 5, RFC 4122 §4.3): SHA-1 of a namespace and a name, as Python's
 * `uuid.uuid5` computes them, so an id made here equals the one Python makes from the same name.
 *
 * @example uuid5(NAMESPACE_URL, '/data/run1/a.png') // same as Python's str(uuid.uuid5(uuid.NAMESPACE_URL, '/data/run1/a.png'))
 */
import crypto from 'node:crypto';

/** RFC 4122's namespace for URLs (Python's `uuid.NAMESPACE_URL`). */
export const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

const namespaces = new Map<string, Buffer>();

/** The version-5 UUID of `name` (UTF-8) in `namespace` (a UUID in its usual spelling). */
export function uuid5(namespace: string, name: string): string {
  let ns = namespaces.get(namespace);
  if (ns === undefined) {
    ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (ns.length !== 16 || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(namespace)) {
      throw new TypeError(`uuid5: namespace must be a UUID, got ${JSON.stringify(namespace)}`);
    }
    namespaces.set(namespace, ns);
  }
  const hash = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50; // version 5
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
