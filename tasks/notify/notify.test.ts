import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowError } from '../../schemas/errors';
import { captureLog } from '../../sandbox/captureLog';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { testTaskContext } from '../../sandbox/testTaskContext';
import { createHttpFhirPort } from '../../core/fhir/createHttpFhirPort';
import { createNotifyRouter } from './createNotifyRouter';
import { createDevChannel } from './devChannel';
import { notifySendHandler } from './handlers';
import { clinflowSignature, createWebhookChannel } from './webhookChannel';

const SECRET = 'webhook-secret-PHIMARK-S3';
const logs = captureLog();
let sandbox: Sandbox;
let receiver: Server;
let receiverUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let script: number[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: { patients: 2 } });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = script.shift() ?? 200;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? JSON.stringify({ deliveryId: `rcv-${received.length}` }) : '{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await sandbox.close();
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});
beforeEach(() => {
  received.length = 0;
  script = [];
});

async function caught(p: Promise<unknown>): Promise<WorkflowError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WorkflowError) return e;
    throw e;
  }
  throw new Error('expected a WorkflowError');
}

describe('webhook channel', () => {
  it('signs the body, sends the idempotency key, and retries 5xx with exponential back-off', async () => {
    const delays: number[] = [];
    const hook = createWebhookChannel({ url: receiverUrl, secret: SECRET, backoffMs: 100, sleep: async (ms) => void delays.push(ms), log: logs.log });
    script = [503, 502];
    const res = await hook.send({ recipient: 'Patient/pat-1', body: 'Take PHIMARK-BODY-1', idempotencyKey: 'exec|send|1' });
    expect(res.deliveryId).toBe('rcv-3');
    expect(received).toHaveLength(3);
    expect(delays).toEqual([100, 200]);
    for (const r of received) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
      expect(r.headers['x-clinflow-signature']).toBe(expected);
      expect(r.headers['idempotency-key']).toBe('exec|send|1');
    }
    expect(JSON.parse(received[0]!.body)).toMatchObject({ recipient: 'Patient/pat-1', body: 'Take PHIMARK-BODY-1' });
    expect(clinflowSignature('x', 'k')).not.toBe(clinflowSignature('x', 'other'));
  });

  it('does not retry a 4xx, and gives up after maxAttempts on 5xx: Notify.DeliveryFailed', async () => {
    const hook = createWebhookChannel({ url: receiverUrl, secret: SECRET, maxAttempts: 3, sleep: async () => undefined });
    script = [400];
    expect((await caught(hook.send({ recipient: 'Patient/pat-1', body: 'b', idempotencyKey: 'k1' }))).error).toBe('Notify.DeliveryFailed');
    expect(received).toHaveLength(1);
    script = [500, 500, 500, 200];
    expect((await caught(hook.send({ recipient: 'Patient/pat-1', body: 'b', idempotencyKey: 'k2' }))).error).toBe('Notify.DeliveryFailed');
    expect(received).toHaveLength(4);
  });

  it('retries refused connections', async () => {
    const delays: number[] = [];
    const hook = createWebhookChannel({ url: 'http://127.0.0.1:1/hook', secret: SECRET, maxAttempts: 2, sleep: async (ms) => void delays.push(ms) });
    const err = await caught(hook.send({ recipient: 'Patient/pat-1', body: 'b', idempotencyKey: 'k3' }));
    expect(err.error).toBe('Notify.DeliveryFailed');
    expect(delays).toHaveLength(1);
  });
});

describe('notify.send', () => {
  const fhir = () => createHttpFhirPort({ baseUrl: sandbox.baseUrl });

  it('records a Communication, delivers once, and a re-delivered call sends nothing more', async () => {
    const dev = createDevChannel(logs.log);
    const hook = createWebhookChannel({ url: receiverUrl, secret: SECRET, sleep: async () => undefined });
    const notify = createNotifyRouter({ dev, webhook: hook }, 'dev');
    const ctx = testTaskContext({ fhir: fhir(), notify, log: logs.log, idempotencyKey: 'exec-n|remind|1' });
    const input = { recipient: 'Patient/pat-1', body: 'Time for PHIMARK-BODY-2', subject: 'Reminder', about: 'MedicationRequest/med-1', channel: 'webhook' };
    const out = await notifySendHandler(input, ctx);
    expect(out.deliveryId).toBe('rcv-1');
    const comm = await fhir().read(out.communication!);
    expect(comm).toMatchObject({
      status: 'completed',
      recipient: [{ reference: 'Patient/pat-1' }],
      subject: { reference: 'Patient/pat-1' },
      about: [{ reference: 'MedicationRequest/med-1' }],
      payload: [{ contentString: 'Time for PHIMARK-BODY-2' }],
      identifier: [{ system: 'urn:clinflow:notify:delivery-id', value: 'rcv-1' }],
    });
    const again = await notifySendHandler(input, ctx);
    expect(again).toEqual(out);
    expect(received).toHaveLength(1);
    const all = await fhir().search('Communication', { recipient: 'Patient/pat-1' });
    expect(all).toHaveLength(1);
  });

  it('uses the dev channel by default and writes a line without the message text', async () => {
    const dev = createDevChannel(logs.log);
    const ctx = testTaskContext({ fhir: fhir(), notify: createNotifyRouter({ dev }, 'dev'), log: logs.log, idempotencyKey: 'exec-n|remind|2' });
    const out = await notifySendHandler({ recipient: 'Practitioner/prac-1', body: 'Potassium PHIMARK-BODY-3' }, ctx);
    expect(dev.sent).toEqual([{ deliveryId: out.deliveryId, recipient: 'Practitioner/prac-1' }]);
    expect(logs.text()).toContain(out.deliveryId);
  });

  it('a failed delivery marks the Communication not-done and raises Notify.DeliveryFailed', async () => {
    const hook = createWebhookChannel({ url: receiverUrl, secret: SECRET, maxAttempts: 1, sleep: async () => undefined });
    script = [503];
    const ctx = testTaskContext({ fhir: fhir(), notify: hook, log: logs.log, idempotencyKey: 'exec-n|remind|3' });
    expect((await caught(notifySendHandler({ recipient: 'Patient/pat-2', body: 'b' }, ctx))).error).toBe('Notify.DeliveryFailed');
    const [comm] = await fhir().search('Communication', { recipient: 'Patient/pat-2' });
    expect(comm).toMatchObject({ status: 'not-done' });
  });

  it('rejects a recipient that is not a person or team reference: Notify.InvalidRecipient', async () => {
    const ctx = testTaskContext({ fhir: fhir(), notify: createDevChannel(logs.log), log: logs.log });
    expect((await caught(notifySendHandler({ recipient: 'mailto:someone@example.org', body: 'b' }, ctx))).error).toBe('Notify.InvalidRecipient');
  });

  it('a text that rendered NaN is not sent: Notify.InvalidMessage, a cause without the text, no Communication, nothing delivered', async () => {
    const dev = createDevChannel(logs.log);
    const hook = createWebhookChannel({ url: receiverUrl, secret: SECRET, sleep: async () => undefined });
    const ctx = testTaskContext({ fhir: fhir(), notify: createNotifyRouter({ dev, webhook: hook }, 'dev'), log: logs.log, idempotencyKey: 'exec-n|remind|nan' });
    const before = await fhir().search('Communication', { recipient: 'Patient/pat-2' });
    const err = await caught(notifySendHandler({ recipient: 'Patient/pat-2', body: 'PHIMARK your appointment is tomorrow at NaN:NaN', channel: 'webhook' }, ctx));
    expect(err.error).toBe('Notify.InvalidMessage');
    expect(err.causeText).toContain("'NaN'");
    expect(err.causeText).toContain('body');
    expect(err.causeText).not.toContain('PHIMARK');
    expect(received).toHaveLength(0);
    expect(dev.sent).toHaveLength(0);
    expect(await fhir().search('Communication', { recipient: 'Patient/pat-2' })).toHaveLength(before.length);
  });

  it.each([
    ['undefined', { body: 'Dear undefined, see you soon' }],
    ['null', { body: 'Your result: null' }],
    ['[object Object]', { body: 'Appointment with [object Object]' }],
    ['{% %}', { body: 'Hello {% $patient.name %}' }],
    ['empty', { body: '   ' }],
    ['subject', { body: 'fine', subject: 'Reminder for NaN' }],
  ])('refuses a message with %s', async (_label, fields) => {
    const dev = createDevChannel(logs.log);
    const ctx = testTaskContext({ fhir: fhir(), notify: createNotifyRouter({ dev }, 'dev'), log: logs.log, idempotencyKey: `exec-n|bad|${_label}` });
    expect((await caught(notifySendHandler({ recipient: 'Patient/pat-1', ...fields }, ctx))).error).toBe('Notify.InvalidMessage');
    expect(dev.sent).toHaveLength(0);
  });

  it('passes text that only looks close: a name "Nan", "nullify", numbers and times', async () => {
    const dev = createDevChannel(logs.log);
    const ctx = testTaskContext({ fhir: fhir(), notify: createNotifyRouter({ dev }, 'dev'), log: logs.log, idempotencyKey: 'exec-n|fine|1' });
    await notifySendHandler({ recipient: 'Patient/pat-1', body: 'Dear Nan, please do not nullify your 09:30 slot (K 6.2 mmol/L).' }, ctx);
    expect(dev.sent).toHaveLength(1);
  });

  it('the channel router refuses broken text from any sender too (reminders.send goes through it)', async () => {
    const dev = createDevChannel(logs.log);
    const router = createNotifyRouter({ dev }, 'dev');
    expect((await caught(router.send({ recipient: 'Patient/pat-1', body: 'Take undefined mg', idempotencyKey: 'k-r' }))).error).toBe('Notify.InvalidMessage');
    expect(dev.sent).toHaveLength(0);
  });

  it('no log line holds a message body or the webhook secret', () => {
    expect(logs.lines.length).toBeGreaterThan(2);
    expect(logs.text()).not.toContain('PHIMARK');
  });
});
