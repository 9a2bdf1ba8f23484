import { dirname } from 'node:path';

/**
 * htmlparser2 as sanitize-html loads it (v10, CommonJS): the top-level v12 is ESM-only, which
 * Jest's CommonJS runtime cannot load. The same API.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { DomUtils, parseDocument } = require(
  require.resolve('htmlparser2', { paths: [dirname(require.resolve('sanitize-html'))] }),
) as typeof import('htmlparser2');

export type Element = ReturnType<typeof DomUtils.findAll>[number];
