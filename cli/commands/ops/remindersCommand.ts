import type { Command } from 'commander';
import { GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { DateTime } from 'luxon';
import type { SetExit } from '../registry';
import { addConnectionOptions, connect, type Connection, type ConnectionOptions } from './opsConnection';
import { formatTable, toJson } from './output';
import { runOps } from './runOps';
import { UsageError } from '../../usageError';

export interface PendingReminder {
  order: string;
  slot: string;
  /** The fire time in the patient's own zone. */
  localTime: string;
  timeZone: string;
  at: string;
  schedule: string;
  state: string;
  /** The reminder policy version that planned it (the console shows it). */
  policyVersion?: string;
}

/** The orders of a patient, from the FHIR server (MedicationRequest?subject=…). */
async function ordersOf(patient: string, fhirUrl: string): Promise<Set<string>> {
  const out = new Set<string>();
  let url: string | undefined = `${fhirUrl.replace(/\/$/, '')}/MedicationRequest?subject=${encodeURIComponent(patient)}&_elements=id&_count=200`;
  for (let pages = 0; url && pages < 50; pages++) {
    const res = await fetch(url, { headers: { Accept: 'application/fhir+json' } });
    if (!res.ok) throw new Error(`FHIR search for the patient's orders failed: HTTP ${res.status}`);
    const bundle = (await res.json()) as { entry?: { resource?: { id?: string } }[]; link?: { relation?: string; url?: string }[] };
    for (const e of bundle.entry ?? []) if (e.resource?.id) out.add(`MedicationRequest/${e.resource.id}`);
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

/**
 * Pending reminder schedules (the reminder group's `at()` schedules) for orders, shown in the
 * patient's local time (the zone the plan was made in, carried in the schedule's target input).
 */
export async function listReminders(conn: Connection, orders: ReadonlySet<string>): Promise<PendingReminder[]> {
  const out: PendingReminder[] = [];
  let NextToken: string | undefined;
  do {
    const page = await conn.scheduler.send(new ListSchedulesCommand({ GroupName: conn.reminderGroup, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }));
    for (const s of page.Schedules ?? []) {
      const full = await conn.scheduler.send(new GetScheduleCommand({ Name: s.Name, GroupName: conn.reminderGroup }));
      let fire: { order?: string; slot?: string; at?: string; timeZone?: string; policyVersion?: string };
      try {
        fire = JSON.parse(full.Target?.Input ?? '{}') as typeof fire;
      } catch {
        continue;
      }
      if (!fire.order || !orders.has(fire.order) || !fire.at) continue;
      const zone = fire.timeZone ?? 'UTC';
      const local = DateTime.fromISO(fire.at, { zone: 'utc' }).setZone(zone);
      out.push({
        order: fire.order,
        slot: fire.slot ?? '',
        localTime: local.isValid ? local.toFormat('yyyy-MM-dd HH:mm ZZZZ') : fire.at,
        timeZone: zone,
        at: fire.at,
        schedule: s.Name ?? '',
        state: s.State ?? '',
        ...(fire.policyVersion ? { policyVersion: fire.policyVersion } : {}),
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

export function registerReminders(program: Command, setExit: SetExit): void {
  const cmd = program.command('reminders').description('Pending medication reminders.');
  addConnectionOptions(
    cmd
      .command('list')
      .description("pending reminder schedules of an order or a patient, in the patient's local time")
      .option('--order <reference>', 'MedicationRequest/<id>')
      .option('--patient <reference>', 'Patient/<id> (its orders are looked up on the FHIR server)')
      .option('--fhir-url <url>', 'FHIR server for --patient (or CLINFLOW_FHIR_URL)'),
  ).action((opts: ConnectionOptions & { order?: string; patient?: string; fhirUrl?: string }) =>
    runOps(setExit, async () => {
      if ((opts.order === undefined) === (opts.patient === undefined)) throw new UsageError('give --order MedicationRequest/<id> or --patient Patient/<id>');
      let orders: Set<string>;
      if (opts.order !== undefined) {
        if (!/^MedicationRequest\/[A-Za-z0-9\-.]{1,64}$/.test(opts.order)) throw new UsageError('--order must be MedicationRequest/<id>');
        orders = new Set([opts.order]);
      } else {
        if (!/^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(opts.patient ?? '')) throw new UsageError('--patient must be Patient/<id>');
        const fhirUrl = opts.fhirUrl ?? process.env.CLINFLOW_FHIR_URL;
        if (!fhirUrl) throw new UsageError('--patient needs the FHIR server: --fhir-url (clinflow dev prints it) or CLINFLOW_FHIR_URL');
        orders = await ordersOf(opts.patient ?? '', fhirUrl);
      }
      const rows = await listReminders(connect(opts), orders);
      process.stdout.write(opts.json ? toJson(rows) : formatTable(rows as unknown as Record<string, string>[], ['order', 'slot', 'localTime', 'state', 'schedule']));
    }),
  );
}
