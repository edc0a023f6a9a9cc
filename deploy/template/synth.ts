import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledWorkflow } from '../../schemas/artifacts';
import type { StageConfig } from '../../schemas/deployConfig';
import type { DesiredResource } from '../desired';
import { desiredResources } from '../desired';
import { buildStack, stackName, stageApp, templateOf } from './buildStack';

export interface Asset {
  /** S3 key in the artifact bucket: content-addressed, so a changed zip is a new key and CloudFormation sees the change. */
  key: string;
  bytes: Uint8Array;
}

export interface Synthesized {
  stackName: string;
  template: Record<string, unknown>;
  assets: Asset[];
  resources: DesiredResource[];
  warnings: string[];
}

export interface SynthOptions {
  now: Date;
  purge?: boolean;
  /** Check the template against the CloudFormation resource schemas (slow: tests and `deploy synth`). */
  validate?: boolean;
  /** Bundles a function entry into its zip (deploy/bundle.ts; tests pass a fake); null for a dry run (placeholder keys, no zips). */
  bundle: ((entry: string, runtime: string) => Promise<Uint8Array>) | null;
}

export const assetKey = (stage: string, entry: string, bytes: Uint8Array): string => `clinflow/${stage}/${entry}-${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.zip`;

/** The stage template and its Lambda zips, from the compiled workflows and the stage configuration. */
export async function synthesize(workflows: readonly CompiledWorkflow[], config: StageConfig, opts: SynthOptions): Promise<Synthesized> {
  const { resources, warnings } = desiredResources(workflows, config, { now: opts.now });
  const assets: Asset[] = [];
  const assetKeys: Record<string, string> = {};
  for (const r of resources) {
    if (r.kind !== 'function') continue;
    if (!opts.bundle) {
      assetKeys[r.name] = `clinflow/${config.stage}/${r.entry}-NOT-BUNDLED.zip`;
      continue;
    }
    const bytes = await opts.bundle(r.entry, config.lambda.runtime);
    const key = assetKey(config.stage, r.entry, bytes);
    assets.push({ key, bytes });
    assetKeys[r.name] = key;
  }
  const stack = buildStack(resources, { stage: config.stage, assetKeys, purge: opts.purge ?? false }, stageApp(opts.validate ?? false));
  return { stackName: stackName(config.stage), template: templateOf(stack), assets, resources, warnings };
}

/** Writes `template.json` and `assets/<key>` under `dir`, for `aws s3 sync` + `aws cloudformation deploy`. */
export function writeSynthesized(dir: string, s: Synthesized): string[] {
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, 'template.json')];
  writeFileSync(written[0]!, `${JSON.stringify(s.template, null, 2)}\n`);
  for (const a of s.assets) {
    const file = join(dir, 'assets', a.key);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, a.bytes);
    written.push(file);
  }
  return written;
}
