import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/*
 * Reading the API's OpenAPI document in tests: its operations, its references, whether a
 * value is what a schema says, and the routes docs/api.md lists.
 */

export type { OpenAPIObject, OperationObject, SchemaObject };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface DocumentedOperation {
  /** Upper case, as in `GET /api/blogs`. */
  method: string;
  /** As the document writes it: `/api/blogs/{slug}`. */
  path: string;
  operation: OperationObject;
}

export function operationsOf(document: OpenAPIObject): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      method: method.toUpperCase(),
      path,
      operation: item[method]!,
    })),
  );
}

/** `/api/blogs/:slug` as the document writes it: `/api/blogs/{slug}`. */
export const documentPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

/** Every `$ref` anywhere in the document. */
export function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner),
  );
}

/** What a local `$ref` (`#/components/schemas/Post`) points at; undefined when nothing. */
export function resolveRef(document: OpenAPIObject, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let target: unknown = document;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    target =
      typeof target === 'object' && target !== null && Object.hasOwn(target, key)
        ? (target as Record<string, unknown>)[key]
        : undefined;
  }
  return target;
}

export function schemaOf(document: OpenAPIObject, schema: SchemaObject | ReferenceObject) {
  return '$ref' in schema ? (resolveRef(document, schema.$ref) as SchemaObject) : schema;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * How `value` differs from `schema` (the OpenAPI 3.0 subset the document uses), as one line per
 * difference. An object schema with `properties` is taken as closed: a field it does not
 * list is a difference, so an answer cannot carry undocumented fields.
 */
export function schemaProblems(
  document: OpenAPIObject,
  given: SchemaObject | ReferenceObject,
  value: unknown,
  at = '$',
): string[] {
  const schema = schemaOf(document, given);
  if (!schema) return [`${at}: unresolved ${(given as ReferenceObject).$ref}`];
  if (value === null) return schema.nullable ? [] : [`${at}: null, but not nullable`];
  if (schema.allOf) {
    return schema.allOf.flatMap((part) => schemaProblems(document, part, value, at));
  }
  if (schema.oneOf) {
    const matching = schema.oneOf.filter(
      (part) => schemaProblems(document, part, value, at).length === 0,
    );
    return matching.length === 1 ? [] : [`${at}: matches ${matching.length} of oneOf`];
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  }
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: not an object`];
      const fields = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      return [
        ...(schema.required ?? [])
          .filter((name) => !(name in fields))
          .map((name) => `${at}.${name}: missing`),
        ...Object.entries(fields).flatMap(([name, field]) => {
          if (properties[name]) {
            return schemaProblems(document, properties[name], field, `${at}.${name}`);
          }
          return schema.properties ? [`${at}.${name}: not in the schema`] : [];
        }),
      ];
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at}: not an array`];
      return value.flatMap((item, index) =>
        schema.items ? schemaProblems(document, schema.items, item, `${at}[${index}]`) : [],
      );
    case 'string':
      if (typeof value !== 'string') return [`${at}: not a string`];
      if (schema.format === 'date-time' && !DATE_TIME.test(value)) {
        return [`${at}: ${value} is not a date-time`];
      }
      return [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: not a boolean`];
    case undefined:
    default:
      return [];
  }
}

/**
 * The routes of docs/api.md's tables: each `METHOD /path` in a row's first cell, with
 * `:param` written `{param}` and any query left off.
 */
export function contractRoutes(markdown: string): string[] {
  const routes = new Set<string>();
  for (const line of markdown.split('\n')) {
    const firstCell = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const [, method, path] of firstCell.matchAll(
      /`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)[^`]*`/g,
    )) {
      routes.add(`${method} ${documentPath(path)}`);
    }
  }
  return [...routes].sort();
}
