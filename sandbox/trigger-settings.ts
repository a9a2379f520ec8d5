/**
 * The triggers' settings in the sandbox: what the deployment writes into the trigger functions' environment
 * from `caretaker.yml`, written into the sandbox's from the same file (the repository's, or `--config`), so
 * the sandbox holds requests and findings to the limits a deployment would.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '#lib/triggers/caretaker-config';
import { TRIGGER_SETTINGS_VARIABLE, triggerEnvironment } from '#lib/triggers/settings';

export const DEFAULT_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../caretaker.yml');

/** Gives the trigger functions the settings of a configuration file, before any of them is loaded. */
export function useTriggerSettings(configFile: string): void {
  Object.assign(process.env, triggerEnvironment(loadConfig(configFile)));
}

/** The repository's `caretaker.yml` unless a configuration was chosen already. */
export function defaultTriggerSettings(): Record<string, string> {
  const chosen = process.env[TRIGGER_SETTINGS_VARIABLE];
  return chosen ? { [TRIGGER_SETTINGS_VARIABLE]: chosen } : triggerEnvironment(loadConfig(DEFAULT_CONFIG));
}
