/**
 * The Lambda bundles as `npm run package` builds them (deploy/esbuild.ts), read from esbuild's metafile:
 * what they leave out can never be needed at init on Lambda, the Tracer is in them only when tracing is on,
 * and each carries only the SDK clients its function is allowed to call. Sizes and import times are
 * figures, not facts: `npm run bench` measures them.
 */
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  esbuildOptions,
  LAZY_SDK_IMPORTS,
  readPackageSettings,
  type PackageSettings,
} from '../../deploy/esbuild.ts';
import { discoverFunctions } from '../../deploy/functions.ts';
import { loadFunctions, type LoadedFunction } from '../../deploy/stack.ts';
import { caught } from '../support/errors.ts';

const root = resolve(import.meta.dirname, '../..');

/** The SDK client package each IAM service prefix is called through. */
const CLIENT_OF_SERVICE: Record<string, string> = {
  sagemaker: 'client-sagemaker',
  dynamodb: 'client-dynamodb',
  events: 'client-eventbridge',
  states: 'client-sfn',
  cloudwatch: 'client-cloudwatch',
  servicequotas: 'client-service-quotas',
  tag: 'client-resource-groups-tagging-api',
};

type Output = Metafile['outputs'][string];

/** Every function's bundle in one esbuild run (outputs by function file), written nowhere. */
async function bundles(settings: PackageSettings): Promise<Map<string, Output>> {
  const files = discoverFunctions(root).map((spec) => spec.file);
  const { metafile } = await build({
    ...esbuildOptions(files, 'out', settings),
    absWorkingDir: root,
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  return new Map(Object.values(metafile.outputs).map((output) => [output.entryPoint!, output]));
}

/** The SDK clients a bundle builds: those whose client class (`SageMakerClient.js`, …) it contains. */
const clientsBuiltBy = (output: Output) =>
  new Set(
    Object.keys(output.inputs).flatMap(
      (path) => /@aws-sdk\/(client-[a-z-]+)\/dist-es\/[A-Za-z]+Client\.js$/.exec(path)?.[1] ?? [],
    ),
  );

/** The inputs a bundle takes from `node_modules/<pkg>/` (`dir` narrows to a folder of the package). */
const inputsFrom = (output: Output, pkg: string, dir = '') =>
  // Input paths are relative to the working directory: `node_modules/…` in a checkout, `../…/node_modules/…`
  // where node_modules is a link elsewhere.
  Object.keys(output.inputs).filter((path) => new RegExp(`(^|/)node_modules/${pkg}/${dir}`).test(path));

const hasTracer = (output: Output) => inputsFrom(output, '@aws-lambda-powertools/tracer').length > 0;

let plain: Map<string, Output>;
let handlers: LoadedFunction[];

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  [plain, handlers] = await Promise.all([bundles({ tracing: false }), loadFunctions(root)]);
}, 120_000);

describe('the packaged bundles', () => {
  it('bundle every function', () => {
    expect([...plain.keys()].sort()).toEqual(handlers.map((h) => h.file).sort());
  });

  it('import nothing but Node built-ins, and what they leave out only lazily (Lambda has no node_modules)', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const [file, output] of plain) {
      // Act
      const external = output.imports.filter((i) => i.external && !builtins.has(i.path));

      // Assess
      for (const { path, kind } of external) {
        expect(LAZY_SDK_IMPORTS, `${file} imports ${path}`).toContain(path);
        expect(kind, `${file} imports ${path}`).toBe('dynamic-import');
      }
    }
  });

  it('build only the SDK clients their function is allowed to call', () => {
    for (const handler of handlers) {
      // Prepare
      const services = new Set(handler.permissions.map((p) => p.action.split(':')[0]!));
      const allowed = [...services].flatMap((service) => CLIENT_OF_SERVICE[service] ?? []);

      // Act
      const built = clientsBuiltBy(plain.get(handler.file)!);

      // Assess
      expect([...built].sort(), handler.file).toEqual(allowed.sort());
    }
  });
});

describe('validation in the bundles', () => {
  it("uses zod's small API only: the classic one (~60 KB, and schema-building at import) never reaches a function", () => {
    for (const [file, output] of plain) expect(inputsFrom(output, 'zod', 'v4/classic/'), file).toEqual([]);
  });

  it('brings zod to the functions that validate', () => {
    // Assess: a path that stopped matching would make the test above vacuous.
    expect(inputsFrom(plain.get('functions/notebook/start.ts')!, 'zod', 'v4/mini/')).not.toEqual([]);
  });
});

describe('a module per need', () => {
  const builtFrom = (file: string, source: string) =>
    Object.keys(plain.get(file)!.inputs).some((path) => path.endsWith(source));

  it('builds next-round without the selection module (its clients and schemas) for the one ledger read it makes', () => {
    expect(builtFrom('functions/notebook/next-round.ts', 'functions/lib/notebook/rounds.ts')).toBe(true);
    expect(builtFrom('functions/notebook/next-round.ts', 'functions/lib/notebook/selection.ts')).toBe(false);
  });

  it.each(['stop', 'check', 'apply-settings', 'restore', 'start', 'recover'])(
    'builds the cycle step %s with the settings schema it reads the queue with, not the whole request',
    (step) => {
      const file = `functions/notebook/${step}.ts`;
      expect(builtFrom(file, 'functions/lib/notebook/settings-schema.ts'), file).toBe(true);
      expect(builtFrom(file, 'functions/lib/notebook/request.ts'), file).toBe(false);
    },
  );
});

describe('what the bundles leave out', () => {
  it("keeps of each SDK client's package.json only what its user agent reads: the name and the version", () => {
    // Act
    const manifests = [...plain].flatMap(([file, output]) =>
      Object.entries(output.inputs)
        .filter(([path]) => /@aws-sdk\/client-[a-z-]+\/package\.json$/.test(path))
        .map(([path, input]) => ({ file, path, bytes: input.bytesInOutput })),
    );

    // Assess: 2–2.4 KB each, whole; `{name:"@aws-sdk/client-resource-groups-tagging-api",version:"3.1142.0"}` is 67.
    expect(manifests.length).toBeGreaterThan(handlers.length);
    for (const { file, path, bytes } of manifests) expect(bytes, `${file}: ${path}`).toBeLessThanOrEqual(80);
  });

  it("takes the stand-in for mnemonist's LRU, and Powertools Metrics only where a step publishes metrics", () => {
    // Act
    const withMetrics = [...plain].filter(([, o]) =>
      inputsFrom(o, '@aws-lambda-powertools/metrics').some((path) => o.inputs[path]!.bytesInOutput > 0),
    );

    // Assess
    for (const [file, output] of plain) {
      expect(inputsFrom(output, 'mnemonist'), file).toEqual([]);
      if (inputsFrom(output, '@aws-sdk/endpoint-cache').length > 0)
        expect(Object.keys(output.inputs), file).toContain('deploy/stand-ins/lru-cache.ts');
    }
    expect(withMetrics.map(([file]) => file).sort()).toEqual([
      'functions/endpoint/finalize.ts',
      'functions/notebook/report.ts',
    ]);
  });
});

describe('what reaches a function of caretaker.yml', () => {
  it('is never the YAML parser: the triggers read their settings as JSON from their environment', () => {
    for (const [file, output] of plain) expect(inputsFrom(output, 'yaml'), file).toEqual([]);
  });

  it("evaluates cron only in the finding triggers, which queue a finding for its group's next window", () => {
    // Act
    const withCron = [...plain].filter(([, output]) => inputsFrom(output, 'croner').length > 0);

    // Assess
    expect(withCron.map(([file]) => file).sort()).toEqual([
      'functions/triggers/from-config.ts',
      'functions/triggers/from-finding.ts',
    ]);
  });
});

describe('tracing', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['true', true],
  ])('is chosen when packaging: CARETAKER_TRACING=%j packages tracing %j', (value, tracing) => {
    expect(readPackageSettings({ CARETAKER_TRACING: value })).toEqual({ tracing });
  });

  it('refuses a value it cannot read, naming the variable and what it expects', () => {
    // Act
    const error = caught(() => readPackageSettings({ CARETAKER_TRACING: 'yes' }));

    // Assess
    expect(error.issues).toEqual([
      { field: 'CARETAKER_TRACING', message: 'is "yes", expected true or false' },
    ]);
  });

  it('leaves the Tracer out of every function packaged without tracing, the default', () => {
    for (const [file, output] of plain) expect(hasTracer(output), file).toBe(false);
  });

  it('packages the Tracer in every function when tracing is on', async () => {
    // Act
    const traced = await bundles({ tracing: true });

    // Assess
    for (const [file, output] of traced) expect(hasTracer(output), file).toBe(true);
  }, 120_000);
});
