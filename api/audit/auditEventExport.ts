import { ensureSchema, type Db } from '../../core/db/openDatabase';
import type { AuditRow } from './auditLog';
import { AuditLog } from './auditLog';

const REFERENCE = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/;
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** BALP's profile for each kind of row (IHE ITI Basic Audit Log Patterns, https://profiles.ihe.net/ITI/BALP/). */
const PROFILE = {
  data: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read',
  change: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Update',
  denied: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read',
} as const;

/**
 * One audit row as a FHIR R4 AuditEvent in IHE BALP's RESTful shape: type `rest`, the operation as
 * subtype, the caller as the requesting agent (its access key and network address) and clinflow as
 * the destination agent, the execution ARN or FHIR reference as the entity, with the row's request
 * hash and chain hash as entity details. Nothing in it is PHI: keys, addresses, ARNs, references
 * and hashes only, as in the row itself.
 */
export function toAuditEvent(row: AuditRow, observer: string): Record<string, unknown> {
  const ok = row.outcome === 'ok';
  const what = row.resource === '' ? undefined : REFERENCE.test(row.resource) ? { reference: row.resource } : { identifier: { system: 'urn:ietf:rfc:3986', value: row.resource } };
  return {
    resourceType: 'AuditEvent',
    id: `clinflow-audit-${row.seq}`,
    meta: { profile: [PROFILE[row.kind]] },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'urn:clinflow:api-operation', code: `${row.service}:${row.action}` }],
    action: row.kind === 'change' ? 'U' : row.kind === 'data' ? 'R' : 'E',
    recorded: new Date(row.atMs).toISOString(),
    // 0 success; 4 minor failure (the caller was refused or asked for something that is not there).
    outcome: ok ? '0' : '4',
    ...(ok ? {} : { outcomeDesc: row.outcome }),
    agent: [
      {
        type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
        who: { identifier: { system: 'urn:clinflow:access-key', value: row.accessKey } },
        requestor: true,
        ...(row.sourceIp ? { network: { address: row.sourceIp, type: '2' } } : {}),
      },
      { type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] }, who: { display: observer }, requestor: false },
    ],
    source: { observer: { display: observer }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity: [
      {
        ...(what ? { what } : {}),
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
        detail: [
          { type: 'requestHash', valueString: row.requestHash },
          { type: 'auditChainHash', valueString: row.hash },
        ],
      },
    ],
  };
}

/**
 * Copies the audit trail to a FHIR server as AuditEvents (optional: `CLINFLOW_AUDIT_FHIR_URL`). It
 * trails `audit_log` by seq with its own progress mark (ensureSchema module `audit-export`), so rows
 * any writer appended (the API, the ops commands) are exported in order, at least once, and each
 * with a fixed id (`AuditEvent/clinflow-audit-<seq>`, written with PUT), so a repeat writes the
 * same resource again instead of a second one. A failure stops the pass; the next one resumes there.
 */
export class AuditEventExporter {
  private running: Promise<number> | undefined;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly fhirUrl: string,
    private readonly options: { observer?: string; fetch?: typeof fetch; headers?: Record<string, string> } = {},
  ) {
    ensureSchema(db, 'audit-export', ['CREATE TABLE audit_export_progress (name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)']);
    new AuditLog(db);
  }

  /** Exports every row not exported yet; returns how many. Calls while a pass runs are folded into one more pass. */
  exportPending(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let total = 0;
      do {
        this.again = false;
        total += await this.pass();
      } while (this.again);
      return total;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    const mark = (this.db.prepare("SELECT last_seq FROM audit_export_progress WHERE name = 'fhir'").get() as { last_seq: number } | undefined)?.last_seq ?? 0;
    const rows = new AuditLog(this.db).after(mark, 500);
    const save = this.db.prepare("INSERT INTO audit_export_progress (name, last_seq) VALUES ('fhir', ?) ON CONFLICT(name) DO UPDATE SET last_seq = excluded.last_seq");
    const doFetch = this.options.fetch ?? fetch;
    let n = 0;
    for (const row of rows) {
      const event = toAuditEvent(row, this.options.observer ?? 'clinflow');
      const res = await doFetch(`${this.fhirUrl.replace(/\/$/, '')}/AuditEvent/${String(event.id)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...(this.options.headers ?? {}) },
        body: JSON.stringify(event),
      });
      if (!res.ok) throw new Error(`AuditEvent export: HTTP ${res.status} for audit row ${row.seq}`);
      save.run(row.seq);
      n += 1;
    }
    return n;
  }
}
