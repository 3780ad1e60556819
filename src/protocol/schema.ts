/**
 * Runtime validators that also give the static type, so a message type and its check are one
 * definition and cannot drift apart. `check(schema, value)` throws a SchemaError naming the path
 * of the first bad field; `Infer<typeof schema>` is the TypeScript type the schema accepts.
 */

export class SchemaError extends Error {}

export interface Schema<T> {
  /** Throws SchemaError (with `path` for the message) unless `value` is a T. */
  readonly parse: (value: unknown, path: string) => T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(path: string, what: string): never {
  throw new SchemaError(`${path || 'value'}: ${what}`);
}

export function check<T>(schema: Schema<T>, value: unknown): T {
  return schema.parse(value, '');
}

export const str = (maxLength = 4096): Schema<string> => ({
  parse: (v, p) =>
    typeof v === 'string' && v.length <= maxLength
      ? v
      : fail(p, `expected a string of at most ${maxLength} characters`),
});

export const num: Schema<number> = {
  parse: (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'expected a finite number')),
};

export const int = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Schema<number> => ({
  parse: (v, p) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      ? (v as number)
      : fail(p, `expected an integer in ${min}..${max}`),
});

export const bool: Schema<boolean> = {
  parse: (v, p) => (typeof v === 'boolean' ? v : fail(p, 'expected a boolean')),
};

export function lit<const T extends string | number | boolean>(value: T): Schema<T> & { readonly value: T } {
  return { value, parse: (v, p) => (v === value ? value : fail(p, `expected ${JSON.stringify(value)}`)) };
}

export function oneOf<const T extends string>(...values: T[]): Schema<T> {
  return {
    parse: (v, p) => (values.includes(v as T) ? (v as T) : fail(p, `expected one of ${values.join(', ')}`)),
  };
}

export function arr<T>(item: Schema<T>, maxLength = 1_000_000): Schema<T[]> {
  return {
    parse: (v, p) => {
      if (!Array.isArray(v)) fail(p, 'expected an array');
      if (v.length > maxLength) fail(p, `expected at most ${maxLength} entries`);
      for (let i = 0; i < v.length; i++) item.parse(v[i], `${p}[${i}]`);
      return v as T[];
    },
  };
}

/** A string-keyed map; keys are checked too (e.g. cluster ids as decimal strings). */
export function record<T>(
  key: Schema<string>,
  value: Schema<T>,
  maxEntries = 1_000_000,
): Schema<Record<string, T>> {
  return {
    parse: (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'expected an object');
      const entries = Object.entries(v);
      if (entries.length > maxEntries) fail(p, `expected at most ${maxEntries} entries`);
      for (const [k, x] of entries) {
        key.parse(k, `${p}{key ${JSON.stringify(k.slice(0, 40))}}`);
        value.parse(x, `${p}.${k}`);
      }
      return v as Record<string, T>;
    },
  };
}

/** Marks an object field as optional (absent or undefined). */
export interface Optional<T> extends Schema<T | undefined> {
  readonly optional: true;
}

export function opt<T>(inner: Schema<T>): Optional<T> {
  return { optional: true, parse: (v, p) => (v === undefined ? undefined : inner.parse(v, p)) };
}

/** A value or null (JSON has no undefined inside arrays). */
export function orNull<T>(inner: Schema<T>): Schema<T | null> {
  return { parse: (v, p) => (v === null ? null : inner.parse(v, p)) };
}

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends Optional<unknown> ? K : never }[keyof F];
type RequiredKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjOf<F extends Fields> = Simplify<
  { [K in RequiredKeys<F>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> }
>;

/** An object with exactly these fields: unknown fields are refused, so a typo cannot pass silently. */
export function obj<F extends Fields>(fields: F): Schema<ObjOf<F>> & { readonly fields: F } {
  return {
    fields,
    parse: (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'expected an object');
      for (const k of Object.keys(v)) if (!(k in fields)) fail(p, `unexpected field "${k.slice(0, 40)}"`);
      for (const [k, s] of Object.entries(fields))
        s.parse((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k);
      return v as ObjOf<F>;
    },
  };
}

/** A required field that is absent: a file can say "it has no config" where a message says what it expected. */
export class MissingField extends SchemaError {
  constructor(readonly path: string) {
    super(`it has no ${path}`);
  }
}

/**
 * An object with at least these fields; others are kept, unchecked. For files that travel between
 * versions (a run folder another version wrote), where a message would refuse them (obj).
 */
export function openObj<F extends Fields>(fields: F): Schema<ObjOf<F>> {
  return {
    parse: (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'expected an object');
      for (const [k, s] of Object.entries(fields)) {
        const x = (v as Record<string, unknown>)[k];
        const at = p ? `${p}.${k}` : k;
        if (x === undefined && !('optional' in s)) throw new MissingField(at);
        s.parse(x, at);
      }
      return v as ObjOf<F>;
    },
  };
}

/**
 * A union of objects told apart by their `type` field: the error names the bad field of the
 * matching variant rather than "matched none".
 */
export function tagged<
  const V extends readonly (Schema<{ type: string }> & {
    readonly fields: { type: { readonly value: string } };
  })[],
>(...variants: V): Schema<Infer<V[number]>> {
  const byType = new Map<unknown, Schema<{ type: string }>>(variants.map((s) => [s.fields.type.value, s]));
  return {
    parse: (v, p) => {
      const t = typeof v === 'object' && v !== null ? (v as { type?: unknown }).type : undefined;
      const s = byType.get(t);
      if (!s)
        fail(p ? `${p}.type` : 'type', `unknown message type ${String(JSON.stringify(t)).slice(0, 40)}`);
      return s.parse(v, p) as Infer<V[number]>;
    },
  };
}
