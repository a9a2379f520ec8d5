import {
  _InstanceType,
  DescribeNotebookInstanceCommand,
  DescribeNotebookInstanceLifecycleConfigCommand,
  ListNotebookInstancesCommand,
  ListTagsCommand,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
  UpdateNotebookInstanceCommand,
  type DescribeNotebookInstanceCommandOutput,
  type SageMakerClient,
  type UpdateNotebookInstanceCommandInput,
} from '@aws-sdk/client-sagemaker';
import { callAws, orUndefined } from '../errors.ts';
import { AwsRequestError, NotFoundError } from '../../errors.ts';
import { needs } from '../../iam.ts';

/** The notebook half of the SageMaker gateway: the only code that sends notebook commands. */

/**
 * The notebook instance types the API accepts (its `InstanceType` enum, as the SDK ships it). Marked pure
 * so that a bundle that never checks an instance type drops the enum (6 KB).
 */
export const NOTEBOOK_INSTANCE_TYPES: readonly string[] = /* @__PURE__ */ Object.values(_InstanceType);

/**
 * The platform identifiers the API accepts: a closed set (the `PlatformIdentifier` pattern of the API model
 * and the CloudFormation reference), which the SDK does not ship as an enum.
 */
export const PLATFORM_IDENTIFIERS = [
  'notebook-al1-v1',
  'notebook-al2-v1',
  'notebook-al2-v2',
  'notebook-al2-v3',
  'notebook-al2023-v1',
] as const;

/** The settings caretaker can change on a stopped notebook, in the API's terms. */
export interface NotebookSettings {
  instanceType?: string | undefined;
  /** `null` = no lifecycle configuration attached. */
  lifecycleConfigName?: string | null | undefined;
  rootAccess?: string | undefined;
  volumeSizeInGB?: number | undefined;
  minimumInstanceMetadataServiceVersion?: string | undefined;
  platformIdentifier?: string | undefined;
}

export interface NotebookSummary {
  name: string;
  arn: string;
  status: string;
  /** While a notebook is InService, its last change was its start (updates need it stopped). */
  lastModifiedTime?: string;
}

export interface NotebookDescription extends NotebookSummary {
  failureReason?: string;
  settings: NotebookSettings;
}

// SageMaker reports a missing notebook as a ValidationException whose message is "RecordNotFound".
const isRecordNotFound = (err: Error) =>
  err.name === 'ValidationException' && /RecordNotFound/i.test(err.message);

const call = <T>(resource: string, send: () => Promise<T>) => callAws(resource, send, isRecordNotFound);

export const listNotebooks = /* @__PURE__ */ needs(
  'sagemaker:ListNotebookInstances',
  'account',
  async (client: SageMakerClient): Promise<NotebookSummary[]> => {
    const notebooks: NotebookSummary[] = [];
    let NextToken: string | undefined;
    do {
      const page = await call('notebook-instances', () =>
        client.send(new ListNotebookInstancesCommand({ MaxResults: 100, NextToken })),
      );
      for (const nb of page.NotebookInstances ?? []) {
        notebooks.push({
          name: nb.NotebookInstanceName!,
          arn: nb.NotebookInstanceArn!,
          status: nb.NotebookInstanceStatus!,
          ...(nb.LastModifiedTime ? { lastModifiedTime: nb.LastModifiedTime.toISOString() } : {}),
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return notebooks;
  },
);

export const listNotebookTags = /* @__PURE__ */ needs(
  'sagemaker:ListTags',
  'notebook-instance',
  async (client: SageMakerClient, arn: string): Promise<Record<string, string>> => {
    const tags: Record<string, string> = {};
    let NextToken: string | undefined;
    do {
      const page = await call(arn, () => client.send(new ListTagsCommand({ ResourceArn: arn, NextToken })));
      for (const tag of page.Tags ?? []) tags[tag.Key!] = tag.Value ?? '';
      NextToken = page.NextToken;
    } while (NextToken);
    return tags;
  },
);

export function toDescription(
  out: DescribeNotebookInstanceCommandOutput | Record<string, never>,
): NotebookDescription {
  const o = out as DescribeNotebookInstanceCommandOutput;
  return {
    name: o.NotebookInstanceName!,
    arn: o.NotebookInstanceArn!,
    status: o.NotebookInstanceStatus!,
    ...(o.FailureReason ? { failureReason: o.FailureReason } : {}),
    ...(o.LastModifiedTime ? { lastModifiedTime: o.LastModifiedTime.toISOString() } : {}),
    settings: {
      instanceType: o.InstanceType,
      lifecycleConfigName: o.NotebookInstanceLifecycleConfigName ?? null,
      rootAccess: o.RootAccess,
      volumeSizeInGB: o.VolumeSizeInGB,
      minimumInstanceMetadataServiceVersion:
        o.InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion,
      platformIdentifier: o.PlatformIdentifier,
    },
  };
}

/** Describes a notebook; `undefined` when it does not exist (any more). */
export const describeNotebook = /* @__PURE__ */ needs(
  'sagemaker:DescribeNotebookInstance',
  'notebook-instance',
  async (client: SageMakerClient, name: string): Promise<NotebookDescription | undefined> => {
    const out = await orUndefined(
      call(name, () => client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }))),
    );
    return out && toDescription(out);
  },
);

export const stopNotebook = /* @__PURE__ */ needs(
  'sagemaker:StopNotebookInstance',
  'notebook-instance',
  async (client: SageMakerClient, name: string): Promise<void> => {
    await call(name, () => client.send(new StopNotebookInstanceCommand({ NotebookInstanceName: name })));
  },
);

export const startNotebook = /* @__PURE__ */ needs(
  'sagemaker:StartNotebookInstance',
  'notebook-instance',
  async (client: SageMakerClient, name: string): Promise<void> => {
    await call(name, () => client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: name })));
  },
);

/** The UpdateNotebookInstance input for a change of settings (only the members that change). */
export function toUpdateInput(
  name: string,
  change: Partial<NotebookSettings>,
): UpdateNotebookInstanceCommandInput {
  return {
    NotebookInstanceName: name,
    ...(change.instanceType !== undefined ? { InstanceType: change.instanceType as never } : {}),
    ...(change.lifecycleConfigName === null ? { DisassociateLifecycleConfig: true } : {}),
    ...(typeof change.lifecycleConfigName === 'string'
      ? { LifecycleConfigName: change.lifecycleConfigName }
      : {}),
    ...(change.rootAccess !== undefined ? { RootAccess: change.rootAccess as never } : {}),
    ...(change.volumeSizeInGB !== undefined ? { VolumeSizeInGB: change.volumeSizeInGB } : {}),
    ...(change.minimumInstanceMetadataServiceVersion !== undefined
      ? {
          InstanceMetadataServiceConfiguration: {
            MinimumInstanceMetadataServiceVersion: change.minimumInstanceMetadataServiceVersion,
          },
        }
      : {}),
    ...(change.platformIdentifier !== undefined ? { PlatformIdentifier: change.platformIdentifier } : {}),
  };
}

export const updateNotebook = /* @__PURE__ */ needs(
  'sagemaker:UpdateNotebookInstance',
  'notebook-instance',
  async (client: SageMakerClient, name: string, change: Partial<NotebookSettings>): Promise<void> => {
    await call(name, () => client.send(new UpdateNotebookInstanceCommand(toUpdateInput(name, change))));
  },
);

/** Whether a notebook lifecycle configuration exists (checked before a window switches to it). */
export const lifecycleConfigExists = /* @__PURE__ */ needs(
  'sagemaker:DescribeNotebookInstanceLifecycleConfig',
  'notebook-instance-lifecycle-config',
  async (client: SageMakerClient, name: string): Promise<boolean> => {
    try {
      await call(name, () =>
        client.send(
          new DescribeNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: name }),
        ),
      );
      return true;
    } catch (err) {
      if (
        err instanceof AwsRequestError &&
        /not (be )?found|does not exist|RecordNotFound/i.test(err.message)
      )
        return false;
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  },
);
