/**
 * The operations dashboard: what the patch windows did (from the steps' EMF metrics in the `Caretaker`
 * namespace) and how the executions ended (AWS/States), on one page.
 */
import { STATE_MACHINE_NAMES } from './iam.ts';

export const METRICS_NAMESPACE = 'Caretaker';
/** Powertools adds the service as a dimension to every metric. */
const SERVICE = ['service', 'caretaker'];

const stateMachineArn = (name: string) =>
  `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${name}`;

const states = (metric: string, name: string, label: string) => [
  'AWS/States',
  metric,
  'StateMachineArn',
  stateMachineArn(name),
  { label },
];

const widget = (title: string, x: number, y: number, metrics: unknown[], width = 12) => ({
  type: 'metric',
  x,
  y,
  width,
  height: 6,
  properties: {
    title,
    region: '${AWS::Region}',
    view: 'timeSeries',
    stacked: false,
    stat: 'Sum',
    period: 3600,
    metrics,
  },
});

/** The `AWS::CloudWatch::Dashboard` resource; its body is an `Fn::Sub` so ARNs name the stack's region. */
export function dashboardResource() {
  const { notebookPatch, endpointUpdate } = STATE_MACHINE_NAMES;
  const body = {
    widgets: [
      widget('Patch windows run', 0, 0, [
        [METRICS_NAMESPACE, 'PatchWindows', ...SERVICE, { label: 'windows' }],
        states('ExecutionsStarted', notebookPatch, 'notebook-patch executions'),
      ]),
      widget('Notebooks patched', 12, 0, [
        [METRICS_NAMESPACE, 'Notebooks.patched', ...SERVICE, { label: 'patched' }],
        [
          METRICS_NAMESPACE,
          'Notebooks.settings-applied',
          ...SERVICE,
          { label: 'settings applied (stopped)' },
        ],
      ]),
      widget('Rollbacks', 0, 6, [
        // Any caretaker metric whose name says rolled-back: notebooks restored, endpoints rolled back.
        [
          {
            expression: `SEARCH('{${METRICS_NAMESPACE},service} rolled back', 'Sum', 3600)`,
            id: 'rollbacks',
          },
        ],
      ]),
      widget('Failures', 12, 6, [
        [METRICS_NAMESPACE, 'Notebooks.failed', ...SERVICE, { label: 'notebooks failed' }],
        [
          METRICS_NAMESPACE,
          'Notebooks.needs-attention',
          ...SERVICE,
          { label: 'notebooks needing attention' },
        ],
        [METRICS_NAMESPACE, 'EndpointUpdates.failed', ...SERVICE, { label: 'endpoint updates failed' }],
        states('ExecutionsFailed', notebookPatch, 'notebook-patch failed'),
        states('ExecutionsTimedOut', notebookPatch, 'notebook-patch timed out'),
        states('ExecutionsFailed', endpointUpdate, 'endpoint-update failed'),
        states('ExecutionsTimedOut', endpointUpdate, 'endpoint-update timed out'),
      ]),
      widget(
        'Endpoint updates',
        0,
        12,
        [
          [METRICS_NAMESPACE, 'EndpointUpdates.succeeded', ...SERVICE, { label: 'succeeded' }],
          [
            METRICS_NAMESPACE,
            'EndpointUpdates.auto-rolled-back',
            ...SERVICE,
            { label: 'rolled back by SageMaker' },
          ],
          [
            METRICS_NAMESPACE,
            'EndpointUpdates.rolled-back',
            ...SERVICE,
            { label: 'rolled back after the bake' },
          ],
          [METRICS_NAMESPACE, 'EndpointUpdates.rejected', ...SERVICE, { label: 'rejected' }],
          states('ExecutionsStarted', endpointUpdate, 'executions started'),
        ],
        24,
      ),
    ],
  };
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: '${self:service}-${sls:stage}',
      DashboardBody: { 'Fn::Sub': JSON.stringify(body) },
    },
  };
}
