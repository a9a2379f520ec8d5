import type { OutputStream } from '../sandbox/terminal.ts';

/**
 * Where a command writes and what it knows of its environment: the process's own streams when run from a
 * shell, a test's buffers when `main` runs in-process.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** What the output is (a terminal, its width): colour and layout follow it. */
  stdout: OutputStream;
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stdout: process.stdout,
  env: process.env,
};
