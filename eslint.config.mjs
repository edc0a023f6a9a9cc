// Typed lint rules, no import cycles, and the layers of layers.json.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

// The layers of docs/DESIGN.md's layout table (layers.json), enforced: each folder may import
// schemas/, core/ and the folders listed; any other project import fails `npm run check`. Tests,
// test kits and the testing/ helpers may import anything (they build runtimes, as cli/ does).
const { folders: FOLDERS, mayImport: MAY_IMPORT } = JSON.parse(readFileSync(new URL('./layers.json', import.meta.url), 'utf8'));
const layerZones = Object.entries(MAY_IMPORT).map(([folder, allowed]) => {
  const own = folder === 'schemas' ? ['schemas'] : folder === 'core' ? ['core', 'schemas'] : [folder, 'core', 'schemas', ...allowed];
  return {
    target: `./${folder}`,
    from: FOLDERS.filter((f) => !own.includes(f) && !own.some((o) => f.startsWith(`${o}/`)) && !folder.startsWith(`${f}/`)).map((f) => `./${f}`),
    message: `layers (docs/DESIGN.md): ${folder}/ may import ${own.filter((o) => o !== folder).join(', ') || 'no other project folder'}.`,
  };
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**', 'scripts/**', '*.config.cjs', '*.config.mjs', 'test/support/*.cjs', 'test/support/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: Infinity }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
  },
  {
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.testkit.ts', 'testing/**', 'test/**', 'bench/**'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
  },
  {
    // The package is ESM: CommonJS globals exist only where jest compiles a test to CommonJS.
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.testkit.ts', 'test/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['__dirname', '__filename', 'require', 'module', 'exports'].map((name) => ({ name, message: 'ESM: use import / import(), import.meta.url or core/paths/packageRoot.ts' })),
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.testkit.ts', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/unbound-method': 'off', '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
