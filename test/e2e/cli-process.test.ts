import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListNotebookInstancesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { caretaker, files } from '../support/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLES = path.join(ROOT, 'events', 'samples');

/** What only a real process shows: pipes closing early, signals, the SDK's own credential chain. */
describe('caretaker as a process', () => {
  it('ends quietly when its reader goes away (`sandbox run … | head -2`)', async () => {
    // Act
    const result = await new Promise<{ status: string; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          'bash',
          [
            '-c',
            `"${ROOT}/bin/caretaker" sandbox run --fleet "${SAMPLES}/fleet.yml" --event "${SAMPLES}/notebook-patch-requested.json" | head -2; echo "status \${PIPESTATUS[0]}" >&2`,
          ],
          { env: { PATH: process.env.PATH ?? '', HOME: ROOT }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', () => resolve({ status: /status (\d+)/.exec(stderr)?.[1] ?? '?', stdout, stderr }));
      },
    );

    // Assess
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
    expect(result.stderr).toBe('status 0\n');
  });

  it('serves a fleet until SIGTERM, its URL the first line, where the AWS SDK finds the notebooks', async () => {
    // Prepare
    const child = spawn(
      path.join(ROOT, 'bin', 'caretaker'),
      ['sandbox', 'serve', '--fleet', path.join(SAMPLES, 'fleet.yml'), '--port', '0'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: ROOT },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
    });

    // Act
    const sagemaker = new SageMakerClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    const listed = await sagemaker.send(new ListNotebookInstancesCommand({}));
    child.kill('SIGTERM');

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(listed.NotebookInstances?.map((n) => n.NotebookInstanceName).sort()).toEqual(['nb-1', 'nb-2']);
    expect(await exited).toBe(0);
  });

  it('names the profile and the region it tried when there are no credentials', async () => {
    // Prepare: an empty home, no keys, a profile that does not exist.
    const home = path.dirname((await files({ x: '' })).x!);

    // Act
    const result = await caretaker(['plan', '--names', 'nb-1', '--region', 'eu-west-1'], {
      cwd: home,
      env: { AWS_PROFILE: 'prod', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_REGION: '' },
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^caretaker: no AWS credentials for profile "prod" in region "eu-west-1": /,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
