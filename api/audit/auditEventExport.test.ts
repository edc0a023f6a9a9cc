/**
 * The optional AuditEvent export against the real FHIR sandbox over HTTP: API calls (signed, some
 * refused) and an ops-command row become AuditEvents in IHE BALP's shape, with the access key as the
 * requesting agent, the execution ARN or FHIR reference as the entity, and no PHI.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { AddressInfo } from 'node:net';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { Engine } from '../../engine/durable/engine';
import { LocalScheduler } from '../../engine/scheduler/localScheduler';
import { createTargetInvoker } from '../../engine/scheduler/targetInvoker';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { attachApi, type AttachedApi } from '../attachApi';
import { AuditLog, hashRequest } from './auditLog';

const KEY = { accessKeyId: 'AKIAAUDITEXPORT00001', secretAccessKey: 'audit-export-secret-for-tests-only-00000' };
const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake';
const PHI = 'Synthetic-Quinn Testperson';

describe('AuditEvent export (IHE BALP) to the FHIR sandbox', () => {
  let dir: string;
  let db: Db;
  let engine: Engine;
  let server: Server;
  let sandbox: Sandbox;
  let attached: AttachedApi;
  let sfn: SFNClient;
  let endpoint: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-auditevent-'));
    sandbox = await startSandbox({ port: 0, seed: false });
    db = openDatabase(join(dir, 'clinflow.db'));
    const clock = new SimulatedClock(Date.UTC(2030, 0, 1));
    engine = new Engine({ database: db, clock, ids: sequentialIds() });
    const bus = new LocalEventBus({ db, clock, ids: sequentialIds(), executions: engine });
    const scheduler = new LocalScheduler({ db, clock, invoke: createTargetInvoker({ executions: engine, bus }) });
    engine.createStateMachine({ name: 'clinflow-intake', definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } }) });
    server = createServer((_q, r) => {
      r.writeHead(404);
      r.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    attached = attachApi(server, {
      engine,
      bus,
      scheduler,
      dataDir: dir,
      env: { CLINFLOW_ACCESS_KEY_ID: KEY.accessKeyId, CLINFLOW_SECRET_ACCESS_KEY: KEY.secretAccessKey, CLINFLOW_AUDIT_FHIR_URL: sandbox.baseUrl },
    });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sfn = new SFNClient({ endpoint, region: 'us-east-1', credentials: KEY, maxAttempts: 1, disableHostPrefix: true });
  }, 60_000);

  afterAll(async () => {
    attached.detach();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await engine.close();
    db.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auditEvents = async (): Promise<Record<string, unknown>[]> => {
    const res = await fetch(`${sandbox.baseUrl}/AuditEvent?_count=100`, { headers: { accept: 'application/fhir+json' } });
    return (((await res.json()) as { entry?: { resource: Record<string, unknown> }[] }).entry ?? []).map((e) => e.resource);
  };

  it('writes one AuditEvent per audit row, in BALP shape, without PHI', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: SM, name: 'x-1', input: JSON.stringify({ patient: PHI }) }));
    await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const wrong = new SFNClient({ endpoint, region: 'us-east-1', credentials: { ...KEY, secretAccessKey: 'wrong' }, maxAttempts: 1, disableHostPrefix: true });
    await expect(wrong.send(new StopExecutionCommand({ executionArn }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    // A row an ops command writes straight into the trail (no API call) goes out with the next pass.
    new AuditLog(db).append({
      atMs: Date.now(),
      accessKey: KEY.accessKeyId,
      sourceIp: 'local-cli',
      service: 'clinflow',
      action: 'CompleteHumanTask',
      resource: 'Task/t1',
      kind: 'change',
      outcome: 'ok',
      requestHash: hashRequest('{}'),
    });
    await attached.auditExport?.exportPending();

    const rows = new AuditLog(db).list({ limit: 10 }).reverse();
    expect(rows.map((r) => r.action)).toEqual(['StartExecution', 'DescribeExecution', 'StopExecution', 'CompleteHumanTask']);
    const events = (await auditEvents()).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(events.map((e) => e.id)).toEqual(rows.map((r) => `clinflow-audit-${r.seq}`));
    const [start, describe, refused, task] = events;
    expect(start).toMatchObject({
      meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Update'] },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      subtype: [{ code: 'states:StartExecution' }],
      action: 'U',
      outcome: '0',
      agent: [
        { type: { coding: [{ code: '110153' }] }, who: { identifier: { system: 'urn:clinflow:access-key', value: KEY.accessKeyId } }, requestor: true, network: { address: '127.0.0.1', type: '2' } },
        { type: { coding: [{ code: '110152' }] }, requestor: false },
      ],
      entity: [
        {
          what: { identifier: { system: 'urn:ietf:rfc:3986', value: executionArn } },
          detail: [
            { type: 'requestHash', valueString: rows[0]!.requestHash },
            { type: 'auditChainHash', valueString: rows[0]!.hash },
          ],
        },
      ],
    });
    expect(describe).toMatchObject({
      action: 'R',
      meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read'] },
      entity: [{ what: { identifier: { value: executionArn } } }],
    });
    expect(refused).toMatchObject({ action: 'E', outcome: '4', outcomeDesc: 'InvalidSignatureException' });
    expect(task).toMatchObject({ subtype: [{ code: 'clinflow:CompleteHumanTask' }], entity: [{ what: { reference: 'Task/t1' } }] });
    expect(JSON.stringify(events)).not.toContain('Synthetic-Quinn');
  }, 60_000);

  it('exports each row once: a second pass writes nothing new', async () => {
    const before = (await auditEvents()).length;
    expect(await attached.auditExport?.exportPending()).toBe(0);
    expect((await auditEvents()).length).toBe(before);
  });
});
