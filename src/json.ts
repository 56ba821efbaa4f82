/**
 * JSON text that keeps integers beyond 2^53 exact: `bigint` values are written as bare digits
 * (JSON.stringify refuses them, and a number would round them).
 *
 * @example toJson({ id: 9007199254740993n }) // '{"id":9007199254740993}'
 */
export function toJson(value: unknown, indent = 0): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      marks.push(v.toString());
      return `\u0000bigint${marks.length - 1}\u0000`;
    },
    indent,
  );
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000bigint(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
