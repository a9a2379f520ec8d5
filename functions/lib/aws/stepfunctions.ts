import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { translateAwsError } from './errors.ts';
import { needs } from '../iam.ts';

export type StartResult = { started: true; executionArn: string } | { started: false; reason: string };

/**
 * Starts a named execution. Execution names are unique per state machine for 90 days, so starting the same
 * name again (a repeated delivery of the same event, the same finding updated) starts nothing new.
 */
export const startExecution = /* @__PURE__ */ needs(
  'states:StartExecution',
  'state-machine',
  async (client: SFNClient, stateMachineArn: string, name: string, input: object): Promise<StartResult> => {
    try {
      const out = await client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { started: true, executionArn: out.executionArn! };
    } catch (err) {
      if ((err as Error).name === 'ExecutionAlreadyExists') {
        return { started: false, reason: `an execution named ${name} already exists: nothing new started` };
      }
      throw translateAwsError(err, name);
    }
  },
);
