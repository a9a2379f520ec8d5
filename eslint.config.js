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

/**
 * The IAM declarations (`needs(…)`, `permissionsOf(…)`) run at import, so esbuild keeps every one a bundle
 * imports unless told the call is pure: marked, a function's bundle drops the gateway calls (and their SDK
 * commands) it never uses, 3–50 KB each. Its `permissions` export is used, so it always stays.
 */
const DECLARATIONS = new Set(['needs', 'permissionsOf']);
const pureDeclarations = {
  meta: {
    type: 'problem',
    fixable: 'code',
    messages: {
      unmarked: '{{name}}(…) must be marked /* @__PURE__ */ so that bundles can drop it when unused.',
      spread: '{{name}}(…) takes a shared list as one argument, not spread: esbuild keeps a spread operand.',
    },
    schema: [],
  },
  create(context) {
    return {
      CallExpression(node) {
        if (node.callee.type !== 'Identifier' || !DECLARATIONS.has(node.callee.name)) return;
        const spread = node.arguments.find((argument) => argument.type === 'SpreadElement');
        if (spread) context.report({ node: spread, messageId: 'spread', data: { name: node.callee.name } });
        const comments = context.sourceCode.getCommentsBefore(node);
        if (comments.some((c) => c.type === 'Block' && /^\s*[#@]__PURE__\s*$/.test(c.value))) return;
        context.report({
          node,
          messageId: 'unmarked',
          data: { name: node.callee.name },
          fix: (fixer) => fixer.insertTextBefore(node, '/* @__PURE__ */ '),
        });
      },
    };
  },
};

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
    plugins: { caretaker: { rules: { 'pure-declarations': pureDeclarations } } },
    rules: { 'no-console': 'error', 'caretaker/pure-declarations': 'error' },
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
