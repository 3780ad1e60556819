// typescript-eslint's recommended rules over everything tsc checks; `npm test` runs it (npm run lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-output/**',
      'sample/**',
      'bench/results/**',
      '.clusterlab/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs', 'scripts/**', 'bin/**'], languageOptions: { globals: globals.node } },
  {
    // Tests read untyped JSON files and stand in for untyped APIs (the vscode stub); terminal tests match escape codes.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-control-regex': 'off' },
  },
);
