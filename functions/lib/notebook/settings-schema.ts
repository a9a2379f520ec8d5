/**
 * The settings a request may change on a notebook, and those queued on its ledger page for its group's
 * next window. A notebook cycle reads the queue back, so this is all of the request's schemas its steps
 * load (request.ts has the rest, for the workflow's input).
 */
import * as z from 'zod/mini';
import { NOTEBOOK_INSTANCE_TYPES, PLATFORM_IDENTIFIERS } from '../aws/sagemaker/notebooks.ts';

/** The settings a request may change on a stopped notebook (zod-free logic lives in settings.ts). */
export const settingsRequestSchema = z
  .strictObject({
    lifecycleConfigName: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
            'expected a lifecycle configuration name (letters, digits, hyphens)',
          ),
          z.maxLength(63),
        ),
    ),
    disassociateLifecycleConfig: z.optional(
      z.literal(true, 'expected true (detach the lifecycle configuration)'),
    ),
    instanceType: z.optional(
      z
        .string()
        .check(
          z.refine(
            (type) => NOTEBOOK_INSTANCE_TYPES.includes(type),
            'expected a notebook instance type the API accepts, such as ml.t3.medium',
          ),
        ),
    ),
    rootAccess: z.optional(z.enum(['Enabled', 'Disabled'], 'expected Enabled or Disabled')),
    volumeSizeInGB: z.optional(z.int('expected a whole number of GB').check(z.gte(5), z.lte(16384))),
    minimumInstanceMetadataServiceVersion: z.optional(z.enum(['1', '2'], 'expected "1" or "2"')),
    platformIdentifier: z.optional(
      z.enum(PLATFORM_IDENTIFIERS, `expected one of ${PLATFORM_IDENTIFIERS.join(', ')}`),
    ),
  })
  .check(
    z.refine((s) => !(s.lifecycleConfigName && s.disassociateLifecycleConfig), {
      path: ['disassociateLifecycleConfig'],
      message: 'cannot both set lifecycleConfigName and detach the lifecycle configuration',
    }),
  );

export type SettingsRequest = z.output<typeof settingsRequestSchema>;

/**
 * Settings findings asked for, queued on a notebook's ledger page for its patch group's next window
 * (`findings: next-window` in caretaker.yml): that window applies them with its own (a cycle of the group
 * merges them into what it wants for this notebook), and the queue is cleared once they are in effect.
 */
export interface QueuedSettings {
  group: string;
  settings: SettingsRequest;
  findingIds: string[];
  /** When the first of them was queued (ISO 8601). */
  queuedAt: string;
}

const queuedSchema = z.looseObject({
  group: z.string().check(z.minLength(1)),
  settings: settingsRequestSchema,
  findingIds: z.array(z.string()),
  queuedAt: z.string(),
});

/** What is queued on a page, if it reads as queued settings (anything else is left to be overwritten). */
export function readQueued(value: unknown): QueuedSettings | undefined {
  const parsed = z.safeParse(queuedSchema, value);
  return parsed.success ? (parsed.data as QueuedSettings) : undefined;
}

/**
 * The queue once `more` joins what is there: the settings merged (the later finding wins a setting both
 * name), the findings listed once, the first queuing time kept. A queue for another group is replaced.
 *
 * @example mergeQueued(undefined, { group: 'weekly', settings: { rootAccess: 'Disabled' }, findingIds: ['f1'], queuedAt: t }).settings
 *   // → { rootAccess: 'Disabled' }
 */
export function mergeQueued(value: unknown, more: QueuedSettings): QueuedSettings {
  const queued = readQueued(value);
  if (!queued || queued.group !== more.group) return more;
  return {
    group: more.group,
    settings: { ...queued.settings, ...more.settings },
    findingIds: [...new Set([...queued.findingIds, ...more.findingIds])],
    queuedAt: queued.queuedAt,
  };
}
