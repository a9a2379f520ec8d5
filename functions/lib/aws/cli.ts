import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AccessError } from '../errors.ts';
import type { LedgerClients } from './ledger/client.ts';

/**
 * Clients for a caller outside Lambda (the `caretaker` CLI): the standard credential chain (`AWS_*`, the
 * shared config and credentials files, SSO, instance roles), narrowed by `--profile` and `--region`, or an
 * endpoint of its own (the sandbox, `caretaker sandbox serve`).
 */
export interface CliAccess {
  profile?: string | undefined;
  region?: string | undefined;
  endpoint?: string | undefined;
}

/** The client settings every CLI client shares. */
export function cliClientConfig(access: CliAccess) {
  return {
    ...(access.profile ? { profile: access.profile } : {}),
    ...(access.region ? { region: access.region } : {}),
    ...(access.endpoint ? { endpoint: access.endpoint } : {}),
  };
}

export interface PlanClients {
  sagemaker: SageMakerClient;
  tagging: ResourceGroupsTaggingAPIClient;
  ledger?: LedgerClients;
}

/** What `caretaker plan` reads: SageMaker, the tags and (given its table) the ledger; it writes nothing. */
export function createPlanClients(access: CliAccess, ledgerTable?: string): PlanClients {
  const config = cliClientConfig(access);
  return {
    sagemaker: new SageMakerClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
    ...(ledgerTable ? { ledger: { dynamodb: new DynamoDBClient(config), tableName: ledgerTable } } : {}),
  };
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError']);

/**
 * An SDK failure to find credentials or a region, said with what was tried: the profile (or the default
 * chain) and the region (or where it would have come from). Other errors pass through unchanged.
 *
 * @example explainAccessError(err, { profile: 'prod' }).message
 *   // → 'no AWS credentials for profile "prod" in region "eu-west-1": CredentialsProviderError: …'
 */
export function explainAccessError(
  err: unknown,
  access: CliAccess,
  env: NodeJS.ProcessEnv = process.env,
): unknown {
  if (!(err instanceof Error)) return err;
  const missingRegion = /region is missing/i.test(err.message);
  if (!CREDENTIAL_ERRORS.has(err.name) && !missingRegion && !/credential/i.test(err.message)) return err;
  const profile = access.profile ?? env.AWS_PROFILE;
  const who = profile
    ? `profile "${profile}"`
    : 'the default credential chain (AWS_* variables, ~/.aws, SSO, instance role)';
  const region = access.region ?? env.AWS_REGION;
  const where = region ? `region "${region}"` : "the profile's region";
  // A local endpoint (the sandbox) takes any keys, but the SDK signs every request and wants some.
  const local = access.endpoint
    ? `; ${access.endpoint} accepts any keys: AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox`
    : '';
  if (missingRegion)
    return new AccessError(
      `no AWS region for ${who}: pass --region, set AWS_REGION or give the profile a region (${err.message})`,
      { cause: err },
    );
  return new AccessError(`no AWS credentials for ${who} in ${where}: ${err.message}${local}`, { cause: err });
}
