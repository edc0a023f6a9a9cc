import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipFiles } from './zip';

describe('zipFiles', () => {
  it('writes a zip that python can read back, byte-identical on every run', () => {
    const files = { 'index.js': 'exports.handler = async () => 42;\n'.repeat(50), 'data/x.json': '{"a":1}' };
    const a = zipFiles(files);
    expect(Buffer.from(zipFiles(files)).equals(Buffer.from(a))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    writeFileSync(join(dir, 'f.zip'), a);
    const out = execFileSync('python3', [
      '-c',
      'import zipfile,sys,json; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))',
      join(dir, 'f.zip'),
    ]).toString();
    expect(JSON.parse(out)).toEqual(files);
    expect(readFileSync(join(dir, 'f.zip')).subarray(0, 4).toString('hex')).toBe('504b0304');
  });
});
