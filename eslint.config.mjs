import globals from 'globals';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

/** Who may import what (ARCHITECTURE.md's table): for each folder, the folders it must not import from. */
const LAYERS = {
  domain: ['api', 'app', 'activities', 'bin', 'db', 'infra', 'providers', 'services', 'workers', 'workflows'],
  db: ['api', 'app', 'activities', 'bin', 'infra', 'providers', 'services', 'workers', 'workflows'],
  providers: ['api', 'app', 'activities', 'bin', 'db', 'infra', 'services', 'workers', 'workflows'],
  infra: ['api', 'app', 'activities', 'bin', 'db', 'providers', 'services', 'workers', 'workflows'],
  workflows: ['api', 'app', 'bin', 'db', 'infra', 'providers', 'services', 'workers'],
  services: ['api', 'app', 'activities', 'bin', 'workers'],
  activities: ['api', 'app', 'bin', 'workers'],
  api: ['app', 'activities', 'bin', 'workers'],
  workers: ['api', 'app', 'bin'],
  config: ['api', 'app', 'activities', 'bin', 'db', 'infra', 'services', 'workers', 'workflows'],
  app: ['bin'],
};

function layerZones() {
  return Object.entries(LAYERS).flatMap(([target, forbidden]) =>
    forbidden.map((from) => ({
      target: `./${target}`,
      from: `./${from}`,
      message: `${target}/ may not import ${from}/ (see ARCHITECTURE.md, "who may import what")`,
    })),
  );
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      '.tools/',
      'coverage/',
      'bench/results/',
      'test/artifacts/',
      '**/*.js',
      '**/*.mjs',
      // The dashboard's own modules are linted (below); everything else in JavaScript is generated or vendored.
      '!api/public/js/**/*.js',
      'api/public/vendor/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
      // The layers of ARCHITECTURE.md: each folder may import only the layers below it. Type imports count too.
      'import/no-restricted-paths': ['error', { zones: layerZones() }],
    },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O, activities by type only.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os'],
              message: 'no Node built-ins in workflow code',
            },
            {
              group: ['knex', 'pg', 'nodemailer', 'express', '**/db/**', '**/api/**', '**/providers/**', '**/infra/**'],
              message: 'workflows reach I/O only through activities',
            },
            {
              group: ['**/activities', '**/activities/**'],
              message: 'import activity types only',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard runs in the browser as plain ES modules, with Chart.js and Ace as globals: a name it does not
    // define is a page that breaks at run time, which no compiler sees.
    files: ['api/public/js/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { ...globals.browser, Chart: 'readonly', ace: 'readonly' },
    },
    rules: {
      'no-undef': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
