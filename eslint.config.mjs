// ESLint flat config: the recommended rules of ESLint and typescript-eslint, without type information
// (fast: no TypeScript program is built; `tsc --noEmit` does the type checks). `npm run lint` runs it,
// then `prettier --check .` (formatting is Prettier's alone: no stylistic rules here).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // build output, dependencies, generated code (codegen's src/generated, the emitted SDL), reports, local data
    ignores: ['dist/', 'dist-bench/', 'node_modules/', 'coverage/', 'src/generated/', 'schema/', 'bench/results/', 'tests/artifacts/', '.data/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `any` is deliberate where it stands: untyped legacy JSON bodies in tests and clients, route tables' generic defaults
      '@typescript-eslint/no-explicit-any': 'off',
      // a leading underscore marks what a signature needs but the body does not (type-graphql @Arg filters, typed `_sent` docs, `for await (const _ of …)`)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `const self = this` is how an inner class (a WebSocket subclass) reaches its owner
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
    },
  },
  {
    // an untagged /* GraphQL */ template at a test file's top is its operations, read by codegen (codegen.yml)
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    // the pages' scripts (dashboard, API docs) run in the browser, as modules
    files: ['public/**/*.js', 'public/**/*.mjs'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
  {
    // CommonJS configuration files (jest.config.js)
    files: ['*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
