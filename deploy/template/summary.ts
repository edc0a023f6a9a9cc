import type { Synthesized } from './synth';

/** The dry-run plan: every resource the first apply creates, by clinflow kind and name, then the template's resource types. */
export function formatDryRun(s: Synthesized): string {
  const lines = s.resources.map((r) => `  + create ${r.kind.padEnd(13)} ${r.name}`);
  lines.push(`Plan: ${s.resources.length} to create, 0 to update, 0 to delete, 0 unchanged.`);
  const types: Record<string, number> = {};
  for (const r of Object.values(s.template.Resources as Record<string, { Type: string }>)) types[r.Type] = (types[r.Type] ?? 0) + 1;
  lines.push(
    `Template: ${Object.values(types).reduce((a, b) => a + b, 0)} CloudFormation resources (${Object.entries(types)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([t, n]) => `${n} ${t}`)
      .join(', ')}).`,
  );
  return lines.join('\n');
}

export function dryRunJson(s: Synthesized): unknown {
  return {
    stackName: s.stackName,
    changes: s.resources.map((r) => ({ action: 'create', kind: r.kind, name: r.name })),
    resources: Object.entries(s.template.Resources as Record<string, { Type: string }>).map(([logicalId, r]) => ({ logicalId, type: r.Type })),
    warnings: s.warnings,
  };
}
