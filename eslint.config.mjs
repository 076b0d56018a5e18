// ESLint over the project's JavaScript (toolchain/dev lint and test run it as
// tests/node_modules/.bin/eslint from the repository root). It lives here, not in tests/, so
// its file patterns are relative to the root and an editor finds it for any file in web/.
// npm's packages live only in tests/node_modules, which is not on this file's resolution path:
// the plugins are required from there.
import { createRequire } from 'node:module';

const require = createRequire(new URL('./tests/package.json', import.meta.url));
const js = require('@eslint/js');
const globals = require('globals');

export default [
  {
    // Only the project's own sources; with no arguments, `eslint` lints what is left.
    ignores: ['**/node_modules/', 'build/'],
  },
  js.configs.recommended,
  {
    // Everything is an ES module except the Emscripten fragment below.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Callbacks keep the parameters they are given for readability (event handlers,
      // (index, element) pairs); an unused one is flagged only when nothing after it is used.
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-shadow': 'error',
      'prefer-const': 'error',
      'no-var': 'error',
      'no-implicit-coercion': ['error', { allow: ['!!'] }],
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      'no-unreachable-loop': 'error',
      'no-constructor-return': 'error',
    },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['tests/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Playwright scripts: the functions they hand to page.evaluate() and waitForFunction() run
    // in the page, so the browser's globals are theirs too.
    files: ['tests/browser/**/*.mjs', 'tests/example/**/*.mjs', 'bench/browser/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // --post-js fragments: pasted into Emscripten's module factory (wasm/CMakeLists.txt), a
    // plain script body that sees the factory's `Module` and nothing it declares is exported;
    // and TextEncoder and TextDecoder, which the module's hosts (browsers, Node) all have.
    files: ['wasm/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { Module: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' },
    },
  },
];
