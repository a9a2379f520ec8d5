import { prepareEnvironment } from '../../sandbox/lambda.ts';

/**
 * Setup of the files that share a worker: the handler modules build their SDK clients when first imported,
 * from the environment of that moment, and in a shared worker the first file to import one (a template test
 * reading a handler's permissions, say) decides for every file after it. So every worker gets the sandbox's
 * environment before any file runs, as every sandbox run gives it anyway.
 */
await prepareEnvironment();
