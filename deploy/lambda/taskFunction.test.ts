import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { Logger, TaskPorts } from '../../schemas/ports';
import { clinflowSignature } from '../../tasks/notify/webhookChannel';
import { createInMemoryCallbackStore } from './inMemoryCallbackStore';
import { createSecretResolver, resolveSecretRefs } from './secrets';
import { createTaskFunction } from './taskFunction';
import { notifyFromEnv } from './taskPorts';

const secretsManager = mockClient(SecretsManagerClient);
const sm = () => new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
afterEach(() => secretsManager.reset());
afterAll(() => secretsManager.restore());

function captureLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (obj: object, msg?: string) => lines.push(JSON.stringify({ obj, msg }));
  return { lines, debug: rec, info: rec, warn: rec, error: rec };
}

describe('task function internals', () => {
  it('logs neither the payload nor the callback token, on success or failure', async () => {
    const log = captureLog();
    const calls: unknown[] = [];
    const ports = {
      scheduler: {
        createSchedule: (i: unknown) => {
          calls.push(i);
          return calls.length === 1 ? Promise.resolve({ ScheduleArn: 'arn:x' }) : Promise.reject(Object.assign(new Error('boom'), { name: 'ThrottlingException' }));
        },
      },
    } as unknown as TaskPorts;
    const fn = createTaskFunction({ task: 'reminders.schedule', env: {}, clock: { now: () => Date.UTC(2030, 0, 1) }, log, ports: () => Promise.resolve(ports) });
    const event = {
      taskToken: 'TOKEN-SECRET-4711',
      plan: {
        order: 'MedicationRequest/PHI-MARK-1',
        versionId: '1',
        timeZone: 'UTC',
        policyVersion: '1',
        horizonStart: '2099-01-01T00:00:00Z',
        horizonEnd: '2099-01-02T00:00:00Z',
        slots: [{ slot: 's1', at: '2099-01-01T09:00:00Z', local: '2099-01-01T09:00Z', doseText: 'PHI-MARK-2' }],
      },
    };
    await expect(fn(event, { awsRequestId: 'r1' })).resolves.toMatchObject({ created: 1 });
    await expect(fn(event, { awsRequestId: 'r2' })).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(log.lines.length).toBeGreaterThanOrEqual(2);
    const all = log.lines.join('\n');
    expect(all).toContain('ThrottlingException');
    for (const secret of ['TOKEN-SECRET-4711', 'PHI-MARK-1', 'PHI-MARK-2']) expect(all).not.toContain(secret);
  });

  it('the webhook channel signs with the secret from NOTIFY_WEBHOOK_SECRET_ARN; without a URL the dev channel answers', async () => {
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"deliveryId":"hook-1"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbC';
      secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: 'hook-secret-1' });
      const env = { CLINFLOW_NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET_ARN: arn };
      const port = await notifyFromEnv(env, createSecretResolver(sm(), env), captureLog());
      await expect(port.send({ channel: 'sms', recipient: 'Patient/p1', body: 'hello', idempotencyKey: 'k1' })).resolves.toEqual({ deliveryId: 'hook-1' });
      expect(received).toHaveLength(1);
      expect(received[0]!.headers['x-clinflow-signature']).toBe(clinflowSignature(received[0]!.body, 'hook-secret-1'));

      const dev = await notifyFromEnv({}, createSecretResolver(sm(), {}), captureLog());
      await expect(dev.send({ recipient: 'Patient/p1', body: 'hello', idempotencyKey: 'k1' })).resolves.toEqual({ deliveryId: expect.stringMatching(/^dlv-/) });
      expect(received).toHaveLength(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('resolveSecretRefs replaces ARNs and $secret:NAME references anywhere, and leaves other strings alone', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:a' }).resolves({ SecretString: 'A' });
    secretsManager.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:b' }).resolves({ SecretString: 'B' });
    const env = { HOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:b' };
    const secrets = createSecretResolver(sm(), env);
    await expect(
      resolveSecretRefs({ s: { auth: { hmacSecret: 'arn:aws:secretsmanager:us-east-1:1:secret:a', bearerToken: '$secret:HOOK' }, kind: 'medplum', n: [1, 'x'] } }, secrets),
    ).resolves.toEqual({
      s: { auth: { hmacSecret: 'A', bearerToken: 'B' }, kind: 'medplum', n: [1, 'x'] },
    });
    await expect(resolveSecretRefs('$secret:MISSING', secrets)).rejects.toThrow('MISSING_SECRET_ARN is not set');
  });

  it('the in-memory callback store claims a token once and gives it back on release', () => {
    const store = createInMemoryCallbackStore();
    store.register({ task: 'Task/t1', server: '', taskToken: 'tok', executionArn: 'arn:e', stateName: 'S' }, 1);
    expect(store.isPending('Task/t1')).toBe(true);
    expect(store.claim('Task/t1', 2)).toMatchObject({ taskToken: 'tok' });
    expect(store.claim('Task/t1', 3)).toBeUndefined();
    store.register({ task: 'Task/t1', server: '', taskToken: 'tok2', executionArn: 'arn:e', stateName: 'S' }, 4);
    expect(store.isPending('Task/t1')).toBe(false);
    store.release('Task/t1');
    expect(store.claim('Task/t1', 5)).toMatchObject({ taskToken: 'tok' });
  });
});
