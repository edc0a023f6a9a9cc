/** IAM policy documents, generated from the artifacts. Every statement names its resources: never `*`. */
export interface PolicyStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export function policy(statements: PolicyStatement[]): PolicyDocument {
  for (const s of statements) {
    if (s.Resource.length === 0 || s.Resource.some((r) => r === '*')) {
      throw new Error(`refusing to generate a policy with a "*" or empty resource for ${s.Action.join(', ')}`);
    }
  }
  return { Version: '2012-10-17', Statement: statements };
}

export function assumeRolePolicy(service: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
}

/** IAM returns policy documents URL-encoded; compare them as canonical JSON. */
export function samePolicy(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return canonical(JSON.parse(decodeURIComponent(a))) === canonical(JSON.parse(b));
  } catch {
    return false;
  }
}

export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
