import type { LocalScheduler } from '../../engine/scheduler/localScheduler';
import { AwsError } from '../protocol/awsError';
import type { AuditNote } from './operation';

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export interface RestRoute {
  operation: string;
  write: boolean;
  run(): Promise<unknown>;
  audit?: AuditNote;
}

const dateFields = (b: Record<string, unknown>): Record<string, unknown> => ({
  ...b,
  ...(typeof b.StartDate === 'number' ? { StartDate: new Date(b.StartDate * 1000) } : {}),
  ...(typeof b.EndDate === 'number' ? { EndDate: new Date(b.EndDate * 1000) } : {}),
});

const optional = (q: URLSearchParams, name: string): string | undefined => q.get(name) ?? undefined;

/**
 * EventBridge Scheduler (restJson1) routes over the local scheduler: `/schedules[/{Name}]` and
 * `/schedule-groups`. Undefined for paths that are not the Scheduler's.
 */
export function schedulerRoute(scheduler: LocalScheduler, req: RestRequest): RestRoute | undefined {
  const m = /^\/(schedules|schedule-groups)(?:\/([^/]+))?\/?$/.exec(req.path);
  if (!m) return undefined;
  let name: string | undefined;
  try {
    name = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
  } catch {
    throw new AwsError('ValidationException', 'the path is not valid percent-encoding');
  }
  const q = req.query;
  const max = optional(q, 'MaxResults');
  const maxResults = max === undefined ? undefined : Number(max);
  if (m[1] === 'schedule-groups') {
    if (name === undefined && req.method === 'GET') {
      return {
        operation: 'ListScheduleGroups',
        write: false,
        run: async () => {
          const prefix = optional(q, 'NamePrefix') ?? '';
          const all = (await scheduler.listScheduleGroups()).ScheduleGroups.filter((g) => g.Name.startsWith(prefix));
          return { ScheduleGroups: all.slice(0, maxResults ?? 100).map((g) => ({ ...g, LastModificationDate: g.CreationDate })) };
        },
      };
    }
    throw new AwsError('UnknownOperationException', `${req.method} ${req.path} is not supported by the local Scheduler API`, 404);
  }
  if (name === undefined) {
    if (req.method !== 'GET') throw new AwsError('UnknownOperationException', `${req.method} /schedules is not supported`, 404);
    return {
      operation: 'ListSchedules',
      write: false,
      run: () =>
        scheduler.listSchedules({
          ...(optional(q, 'ScheduleGroup') ? { GroupName: optional(q, 'ScheduleGroup') } : {}),
          ...(optional(q, 'NamePrefix') ? { NamePrefix: optional(q, 'NamePrefix') } : {}),
          ...(optional(q, 'State') ? { State: optional(q, 'State') as 'ENABLED' | 'DISABLED' } : {}),
          ...(optional(q, 'NextToken') ? { NextToken: optional(q, 'NextToken') } : {}),
          ...(maxResults === undefined ? {} : { MaxResults: maxResults }),
        }),
    };
  }
  const group = optional(q, 'groupName');
  const resource = `schedule/${group ?? String(req.body.GroupName ?? 'default')}/${name}`;
  switch (req.method) {
    case 'GET':
      return { operation: 'GetSchedule', write: false, run: () => scheduler.getSchedule({ Name: name, ...(group ? { GroupName: group } : {}) }) };
    case 'POST':
      return { operation: 'CreateSchedule', write: true, audit: { kind: 'change', resource }, run: () => scheduler.createSchedule({ ...dateFields(req.body), Name: name } as never) };
    case 'PUT':
      return { operation: 'UpdateSchedule', write: true, audit: { kind: 'change', resource }, run: () => scheduler.updateSchedule({ ...dateFields(req.body), Name: name } as never) };
    case 'DELETE':
      return {
        operation: 'DeleteSchedule',
        write: true,
        audit: { kind: 'change', resource },
        run: async () => {
          await scheduler.deleteSchedule({ Name: name, ...(group ? { GroupName: group } : {}), ...(optional(q, 'clientToken') ? { ClientToken: optional(q, 'clientToken') } : {}) });
          return {};
        },
      };
    default:
      throw new AwsError('UnknownOperationException', `${req.method} is not supported on /schedules/{Name}`, 404);
  }
}
