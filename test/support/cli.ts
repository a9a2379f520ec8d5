import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/caretaker` as a user does, with no stdin, from `cwd` (default: the repository), with a clean
 * environment (dummy AWS credentials, nothing inherited that could point the CLI at another endpoint)
 * plus `env`, and collects what it prints.
 */
export function caretaker(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'bin', 'caretaker'), args, {
      cwd: options.cwd ?? ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: options.cwd ?? tmpdir(),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Writes files into a fresh temporary folder and returns their paths. */
export async function files(contents: Record<string, string | object>): Promise<Record<string, string>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'caretaker-'));
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(contents)) {
    out[name] = path.join(dir, name);
    await writeFile(out[name]!, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return out;
}
