// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const STAGES = ['collector', 'intake', 'evaluators', 'alerts', 'storage', 'dashboards', 'instrument'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', '**/*.js', '**/*.mjs', 'collector/otlp/proto/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  // Stage boundaries (STYLE.md): core/ is the ground floor and imports no stage; no stage imports
  // cli/, where the whole config is composed and every role is wired. Tests may compose a config.
  {
    files: ['core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../collector/**',
                '../intake/**',
                '../evaluators/**',
                '../alerts/**',
                '../storage/**',
                '../dashboards/**',
                '../cli/**',
                '../instrument/**',
              ],
              message:
                'core/ is the ground floor: it imports no stage (compose in cli/, inject what a stage needs).',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'collector/**/*.ts',
      'intake/**/*.ts',
      'evaluators/**/*.ts',
      'alerts/**/*.ts',
      'storage/**/*.ts',
      'dashboards/**/*.ts',
      'instrument/**/*.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/**'],
              message:
                'A stage never imports cli/: take your own config section and injected dependencies instead.',
            },
            // Another stage is reached only through its public interface, its index.ts.
            ...STAGES.map((stage) => ({
              group: [`**/${stage}/**`, `!**/${stage}/index.ts`],
              message: `Another stage's internals: import ${stage}/index.ts (its public interface), core/, or have cli/ inject it.`,
            })),
          ],
        },
      ],
    },
  },
);
