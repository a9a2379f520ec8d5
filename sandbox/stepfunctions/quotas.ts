import { AwsApiError } from '../emulator/types.ts';

/**
 * Step Functions' payload quota: 256 KiB, counted as the UTF-8 bytes of the JSON, for an execution's input, a
 * state's input and output, and a task's result (AWS Step Functions Developer Guide, "Step Functions service
 * quotas": "Maximum input or output size for a task, state, or execution").
 */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * StartExecution refuses a larger input before anything runs: the API model's `input` member (SensitiveData)
 * has a maximum length of 262144, and AWS answers a broken constraint with a ValidationException in its usual
 * wording (a sensitive member's value is not echoed).
 */
export function checkExecutionInput(input: string): void {
  if (Buffer.byteLength(input, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
    );
  }
}
