import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { bundleFunction } from '../bundle';

/** The first file of a zip (bundles hold only index.js). */
function firstFile(zip: Uint8Array): { name: string; data: Buffer } {
  const b = Buffer.from(zip);
  const size = b.readUInt32LE(18);
  const nameLen = b.readUInt16LE(26);
  const start = 30 + nameLen + b.readUInt16LE(28);
  return { name: b.subarray(30, 30 + nameLen).toString('utf8'), data: inflateRawSync(b.subarray(start, start + size)) };
}

describe('bundleFunction on the real Lambda runtimes', () => {
  it('bundles fhir.read into a non-trivial zip, byte-identical across two builds, that runs with the task name baked in', async () => {
    const a = await bundleFunction('fhir.read');
    const b = await bundleFunction('fhir.read');
    expect(a.byteLength).toBeGreaterThan(20_000);
    expect(Buffer.from(a.subarray(0, 4)).toString('hex')).toBe('504b0304');
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));

    const { name, data } = firstFile(a);
    expect(name).toBe('index.js');
    // Beside node_modules so the AWS SDK (provided by the Lambda runtime, external to the bundle) resolves.
    const dir = join(__dirname, '..', '..', 'node_modules', '.cache', 'clinflow-lambda-bundle-test');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), data);
    const saved = process.env.CLINFLOW_TASK;
    process.env.CLINFLOW_TASK = 'fhir.search'; // the baked-in name must win
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(dir, 'index.js')) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
      await expect(mod.handler({ reference: 42 }, { awsRequestId: 'r' })).rejects.toMatchObject({
        name: 'States.TaskFailed',
        message: expect.stringMatching(/^Invalid input for task fhir\.read: reference/) as unknown,
      });
    } finally {
      if (saved === undefined) delete process.env.CLINFLOW_TASK;
      else process.env.CLINFLOW_TASK = saved;
    }
  }, 20_000);

  it('bundles the FHIR endpoint into a zip that loads and answers an unknown path with 404 + OperationOutcome', async () => {
    const { name, data } = firstFile(await bundleFunction('fhir-endpoint'));
    expect(name).toBe('index.js');
    const dir = join(__dirname, '..', '..', 'node_modules', '.cache', 'clinflow-lambda-bundle-test-endpoint');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), data);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, 'index.js')) as { handler: (e: unknown) => Promise<{ statusCode: number; body: string }> };
    const res = await mod.handler({ rawPath: '/elsewhere', headers: {}, requestContext: { http: { method: 'POST' } } });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ resourceType: 'OperationOutcome' });
  }, 20_000);

  it('bundles the human-task resume function into a zip that loads and refuses to run without its table', async () => {
    const { data } = firstFile(await bundleFunction('human-task-resume'));
    const dir = join(__dirname, '..', '..', 'node_modules', '.cache', 'clinflow-lambda-bundle-test-resume');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), data);
    const saved = process.env.CLINFLOW_CALLBACK_TABLE;
    delete process.env.CLINFLOW_CALLBACK_TABLE;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(dir, 'index.js')) as { handler: (e: unknown) => Promise<unknown> };
      await expect(mod.handler({ detail: {} })).rejects.toMatchObject({ name: 'States.Runtime', message: expect.stringContaining('CLINFLOW_CALLBACK_TABLE') as unknown });
    } finally {
      if (saved !== undefined) process.env.CLINFLOW_CALLBACK_TABLE = saved;
    }
  }, 20_000);
});
