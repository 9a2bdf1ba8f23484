import { basename, resolve } from 'node:path';

/** The folder holding views/ and public/: above src/, or above dist/src/ once built. */
export const PROJECT_ROOT = resolve(
  __dirname,
  basename(resolve(__dirname, '..')) === 'dist' ? '../..' : '..',
);
