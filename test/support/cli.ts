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

/**
 * The CLI in-process (`bin/main.ts`), as a shell runs it from `cwd` with its output piped: much faster than a
 * process, for everything but what only a process shows (pipes, signals, the SDK's credential chain).
 */
export async function caretakerInProcess(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const { main } = await import('../../bin/main.ts');
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  process.chdir(options.cwd ?? ROOT);
  try {
    const code = await main(args, {
      out: (t) => void (stdout += t),
      err: (t) => void (stderr += t),
      stdout: { isTTY: false },
      env: { COLUMNS: '100', ...options.env },
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}
