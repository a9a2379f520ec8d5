import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The architecture, enforced: only the gateways (`functions/lib/aws/`) import an AWS SDK client (type
 * imports aside), and no domain of `functions/lib` reaches into another's internals. The triggers may
 * import the two request schemas, because starting workflows with them is their job.
 */
const SDK_CLIENTS = {
  regex: '^@aws-sdk/client-',
  allowTypeImports: true,
  message: 'Only the gateways in functions/lib/aws/ talk to AWS: call one of them instead.',
};
const domainImport = (domains, except = '') => ({
  regex: `(^|/)(${domains.join('|')})/${except}`,
  message: `A domain may not import ${domains.join(' or ')} internals (see the opening comment of its folder).`,
});
/** Root and gateways import no domain; each domain none of the others (triggers: only the request schemas). */
const BOUNDARIES = [
  {
    files: ['functions/lib/*.ts'],
    patterns: [SDK_CLIENTS, domainImport(['notebook', 'endpoint', 'triggers'])],
  },
  { files: ['functions/lib/aws/**/*.ts'], patterns: [domainImport(['notebook', 'endpoint', 'triggers'])] },
  {
    files: ['functions/lib/notebook/**/*.ts', 'functions/notebook/*.ts'],
    patterns: [SDK_CLIENTS, domainImport(['endpoint', 'triggers'])],
  },
  {
    files: ['functions/lib/endpoint/**/*.ts', 'functions/endpoint/*.ts'],
    patterns: [SDK_CLIENTS, domainImport(['notebook', 'triggers'])],
  },
  {
    files: ['functions/lib/triggers/**/*.ts', 'functions/triggers/*.ts'],
    patterns: [SDK_CLIENTS, domainImport(['notebook', 'endpoint'], '(?!request(\\.ts)?$)')],
  },
];

export default tseslint.config(
  { ignores: ['node_modules', '.serverless', '.esbuild', '.build', 'reports', 'coverage', 'dist'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['bin/**/*.ts', 'deploy/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SDK_CLIENTS] }] },
  },
  // A file matched by several blocks gets the last one's options, so each block carries all its patterns.
  ...BOUNDARIES.map(({ files, patterns }) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
);
