import {
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointsCommand,
  UpdateEndpointCommand,
  type DeploymentConfig,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { callAws, orUndefined } from '../errors.ts';
import { needs } from '../../iam.ts';

/** The endpoint half of the SageMaker gateway: the only code that sends endpoint commands. */

export interface EndpointView {
  name: string;
  arn: string;
  status: string;
  endpointConfigName: string;
  /** While a deployment runs: the configuration it is moving to. */
  pendingEndpointConfigName?: string;
  failureReason?: string;
  /** When the endpoint last changed (ISO): an UpdateEndpoint whose answer was lost still shows here. */
  lastModifiedAt?: string;
}

export interface VariantView {
  name: string;
  instanceType?: string;
  /** Instances of a provisioned variant; 0 for serverless. */
  instanceCount: number;
}

export interface EndpointConfigView {
  name: string;
  arn: string;
  createdAt?: string;
  variants: VariantView[];
}

// SageMaker reports a missing endpoint or configuration as a ValidationException "Could not find …".
const isCouldNotFind = (err: Error) =>
  err.name === 'ValidationException' && /could not find/i.test(err.message);

const call = <T>(resource: string, send: () => Promise<T>) => callAws(resource, send, isCouldNotFind);

/** Describes an endpoint; `undefined` when it does not exist. */
export const describeEndpoint = /* @__PURE__ */ needs(
  'sagemaker:DescribeEndpoint',
  'endpoint',
  async (client: SageMakerClient, name: string): Promise<EndpointView | undefined> => {
    const out = await orUndefined(
      call(name, () => client.send(new DescribeEndpointCommand({ EndpointName: name }))),
    );
    if (!out) return undefined;
    return {
      name: out.EndpointName!,
      arn: out.EndpointArn!,
      status: out.EndpointStatus!,
      endpointConfigName: out.EndpointConfigName!,
      ...(out.PendingDeploymentSummary?.EndpointConfigName
        ? { pendingEndpointConfigName: out.PendingDeploymentSummary.EndpointConfigName }
        : {}),
      ...(out.FailureReason ? { failureReason: out.FailureReason } : {}),
      ...(out.LastModifiedTime ? { lastModifiedAt: out.LastModifiedTime.toISOString() } : {}),
    };
  },
);

/** Describes an endpoint configuration; `undefined` when it does not exist. */
export const describeEndpointConfig = /* @__PURE__ */ needs(
  'sagemaker:DescribeEndpointConfig',
  'endpoint-config',
  async (client: SageMakerClient, name: string): Promise<EndpointConfigView | undefined> => {
    const out = await orUndefined(
      call(name, () => client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }))),
    );
    if (!out) return undefined;
    return {
      name: out.EndpointConfigName!,
      arn: out.EndpointConfigArn!,
      ...(out.CreationTime ? { createdAt: out.CreationTime.toISOString() } : {}),
      variants: (out.ProductionVariants ?? []).map((v) => ({
        name: v.VariantName!,
        ...(v.InstanceType ? { instanceType: v.InstanceType } : {}),
        instanceCount: v.InitialInstanceCount ?? 0,
      })),
    };
  },
);

/**
 * Moves the endpoint to a configuration. Without a `deploymentConfig` SageMaker replaces the fleet all at
 * once (blue/green), which is what caretaker's own rollback wants.
 */
export const updateEndpoint = /* @__PURE__ */ needs(
  'sagemaker:UpdateEndpoint',
  ['endpoint', 'endpoint-config'],
  async (
    client: SageMakerClient,
    name: string,
    endpointConfigName: string,
    deploymentConfig?: DeploymentConfig,
  ): Promise<void> => {
    await call(name, () =>
      client.send(
        new UpdateEndpointCommand({
          EndpointName: name,
          EndpointConfigName: endpointConfigName,
          ...(deploymentConfig ? { DeploymentConfig: deploymentConfig } : {}),
        }),
      ),
    );
  },
);

/** Every endpoint's name in the account and region (to find which configurations are in use). */
export const listEndpoints = /* @__PURE__ */ needs(
  'sagemaker:ListEndpoints',
  'account',
  async (client: SageMakerClient): Promise<string[]> => {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await call('endpoints', () =>
        client.send(new ListEndpointsCommand({ MaxResults: 100, NextToken })),
      );
      for (const endpoint of page.Endpoints ?? []) names.push(endpoint.EndpointName!);
      NextToken = page.NextToken;
    } while (NextToken);
    return names;
  },
);

/** Deletes an endpoint configuration; `false` when it was already gone. */
export const deleteEndpointConfig = /* @__PURE__ */ needs(
  'sagemaker:DeleteEndpointConfig',
  'endpoint-config',
  async (client: SageMakerClient, name: string): Promise<boolean> => {
    const deleted = await orUndefined(
      call(name, () => client.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }))),
    );
    return deleted !== undefined;
  },
);
