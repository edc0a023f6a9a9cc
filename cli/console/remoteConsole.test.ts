/**
 * `clinflow console --endpoint URL` (the path `--stage S` takes): the console's backend speaks the
 * Step Functions API over HTTP through the ops commands' SDK clients, SigV4-signed, here against
 * the local AWS-compatible API on a real HTTP server. Lists across state machines page by cursor;
 * a redrive is a RedriveExecution call (audited by the API under the signing key, and by the
 * console under the person's token).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../api/audit/auditLog';
import { openDatabase } from '../../core/db/openDatabase';
import { OPERATOR, startApiFixture, type ApiFixture } from '../../api/apiFixture.testkit';
import { runConsole } from '../commands/console';

const FAILS = JSON.stringify({ StartAt: 'Call', States: { Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nothing', End: true } } });
const TOKEN = 'operator-token-for-the-remote-console';
const saved = { ...process.env };
let f: ApiFixture;
let dir: string;
let stop: () => Promise<void>;
let url: string;

beforeAll(async () => {
  f = await startApiFixture();
  dir = mkdtempSync(join(tmpdir(), 'clinflow-console-remote-'));
  for (const name of ['clinflow-a', 'clinflow-b']) {
    const arn = f.engine.createStateMachine({ name, definition: FAILS }).stateMachineArn;
    for (let i = 0; i < 3; i++) await f.engine.startExecution({ stateMachineArn: arn, name: `${name}-${i}`, input: '{}' });
  }
  await f.engine.runUntilIdle();
  Object.assign(process.env, { CLINFLOW_ACCESS_KEY_ID: OPERATOR.accessKeyId, CLINFLOW_SECRET_ACCESS_KEY: OPERATOR.secretAccessKey, CLINFLOW_CONSOLE_TOKENS: `otto:operator:${TOKEN}` });
  delete process.env.CLINFLOW_CONSOLE_TOKEN;
  const lines: string[] = [];
  stop = await runConsole({ endpoint: f.endpoint, dataDir: dir, port: '0' }, (l) => lines.push(l));
  url = /web console {9}(\S+)/.exec(lines.join('\n'))?.[1] ?? '';
});

afterAll(async () => {
  await stop?.();
  await f?.close();
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

it('lists executions of every state machine by cursor and redrives one through the API', async () => {
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console$/);
  const signIn = await fetch(`${url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ token: TOKEN }),
  });
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const names: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const body = (await (await fetch(`${url}/api/executions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers: { cookie } })).json()) as {
      items: { name: string; status: string }[];
      nextCursor?: string;
    };
    names.push(...body.items.map((i) => i.name));
    expect(body.items.every((i) => i.status === 'FAILED')).toBe(true);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  expect(names.sort()).toEqual(['clinflow-a-0', 'clinflow-a-1', 'clinflow-a-2', 'clinflow-b-0', 'clinflow-b-1', 'clinflow-b-2']);

  const arn = 'arn:aws:states:us-east-1:000000000000:execution:clinflow-b:clinflow-b-1';
  const res = await fetch(`${url}/actions/redrive`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', cookie, 'X-CSRF-Token': csrfToken, Origin: new URL(url).origin },
    body: new URLSearchParams({ arn }),
  });
  expect(res.status).toBe(200);
  expect(f.engine.describeExecution({ executionArn: arn }).redriveCount).toBe(1);
  // The API's trail names the signing key; the console's own trail (in its data dir) names the person.
  expect(f.api.audit.list({ resource: arn }).map((r) => [r.accessKey, r.action, r.outcome])).toContainEqual([OPERATOR.accessKeyId, 'RedriveExecution', 'ok']);
  const db = openDatabase(join(dir, 'clinflow.db'));
  try {
    expect(new AuditLog(db).list({ resource: arn }).map((r) => [r.accessKey, r.service, r.action, r.outcome])).toEqual([['console:otto', 'console', 'RedriveExecution', 'ok']]);
  } finally {
    db.close();
  }
  const detail = await (await fetch(`${url}/executions/${encodeURIComponent(arn)}`, { headers: { cookie } })).text();
  expect(detail).toMatch(/<li data-step="Call" data-status="(failed|running)"/);
});
