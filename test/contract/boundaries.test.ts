import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The project's own eslint.config.js, applied to code that breaks (or keeps) the architecture's rules.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the lint rules that keep the folders honest', () => {
  it.each([
    ['functions/lib/notebook/x.ts', "import { bakeVerdict } from '../endpoint/decisions.ts';"],
    ['functions/lib/notebook/x.ts', "import { fromFinding } from '#lib/triggers/from-findings';"],
    ['functions/lib/endpoint/x.ts', "import { begin } from '../notebook/cycle.ts';"],
    ['functions/lib/triggers/x.ts', "import { begin } from '../notebook/cycle.ts';"],
    ['functions/lib/triggers/x.ts', "import { preflight } from '../endpoint/preflight.ts';"],
    ['functions/lib/aws/x.ts', "import { begin } from '../notebook/cycle.ts';"],
    ['functions/lib/x.ts', "import { audit } from './triggers/audit.ts';"],
    ['functions/notebook/x.ts', "import { preflight } from '#lib/endpoint/preflight';"],
  ])('refuses a domain reaching into another: %s with %s', async (file, code) => {
    // Act
    const messages = await restrictedImports(file, code);

    // Assess
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/may not import/);
  });

  it.each([
    ['functions/lib/notebook/x.ts'],
    ['functions/lib/x.ts'],
    ['functions/endpoint/x.ts'],
    ['bin/x.ts'],
    ['deploy/x.ts'],
  ])('refuses an SDK client outside the gateways: %s', async (file) => {
    const messages = await restrictedImports(
      file,
      "import { SageMakerClient } from '@aws-sdk/client-sagemaker';",
    );

    expect(messages).toEqual([expect.stringMatching(/Only the gateways/)]);
  });

  it.each([
    ['functions/lib/aws/x.ts', "import { SageMakerClient } from '@aws-sdk/client-sagemaker';"],
    ['functions/lib/notebook/x.ts', "import type { SageMakerClient } from '@aws-sdk/client-sagemaker';"],
    ['functions/lib/notebook/x.ts', "import { describeNotebook } from '../aws/sagemaker/notebooks.ts';"],
    ['functions/lib/triggers/x.ts', "import { parsePatchRequest } from '../notebook/request.ts';"],
    ['functions/lib/triggers/x.ts', "import { parseEndpointUpdateRequest } from '#lib/endpoint/request';"],
    ['functions/lib/endpoint/x.ts', "import { describeEndpoint } from '../aws/sagemaker/endpoints.ts';"],
  ])('allows what the architecture allows: %s with %s', async (file, code) => {
    expect(await restrictedImports(file, code)).toEqual([]);
  });
});

async function unmarkedDeclarations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'caretaker/pure-declarations')
    .map((m) => m.message);
}

describe('the lint rule that lets bundles drop the IAM declarations they do not use', () => {
  it.each([
    ["export const describe = needs('sagemaker:DescribeEndpoint', 'endpoint', async () => 1);"],
    ['export const permissions = permissionsOf(describe);'],
    ['export const byStep = { Stop: permissionsOf(describe) };'],
  ])('refuses a declaration not marked pure: %s', async (code) => {
    // Act
    const messages = await unmarkedDeclarations('functions/lib/aws/x.ts', code);

    // Assess
    expect(messages).toEqual([expect.stringMatching(/must be marked \/\* @__PURE__ \*\//)]);
  });

  it('refuses a shared list spread into the arguments, which esbuild would keep whole', async () => {
    // Act
    const messages = await unmarkedDeclarations(
      'functions/lib/notebook/x.ts',
      'export const stop = /* @__PURE__ */ permissionsOf(...common, stopNotebook);',
    );

    // Assess
    expect(messages).toEqual([expect.stringMatching(/not spread/)]);
  });

  it.each([
    ['export const stop = /* @__PURE__ */ permissionsOf(common, stopNotebook);'],
    [
      "export const describe = /* @__PURE__ */ needs('sagemaker:DescribeEndpoint', 'endpoint', async () => 1);",
    ],
    ['export const permissions = /* @__PURE__ */ permissionsOf(describe);'],
  ])('accepts a marked one: %s', async (code) => {
    expect(await unmarkedDeclarations('functions/lib/aws/x.ts', code)).toEqual([]);
  });
});
