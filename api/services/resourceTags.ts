import { ensureSchema, type Db } from '../../core/db/openDatabase';
import { AwsError } from '../protocol/awsError';
import { opsSchema } from './opsSchema';

/** Step Functions resource tags (`ops_tags`), with AWS's limits: 50 tags, keys ≤128, values ≤256. */
export class ResourceTags {
  constructor(private readonly db: Db) {
    ensureSchema(db, 'ops', opsSchema);
  }

  tag(arn: string, tags: unknown): void {
    if (!Array.isArray(tags)) throw new AwsError('ValidationException', 'tags must be a list of {key, value}');
    const upsert = this.db.prepare('INSERT INTO ops_tags (resource_arn, key, value) VALUES (?, ?, ?) ON CONFLICT(resource_arn, key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const t of tags as { key?: unknown; value?: unknown }[]) {
        if (typeof t.key !== 'string' || t.key.length < 1 || t.key.length > 128) throw new AwsError('ValidationException', 'tag keys are 1-128 characters');
        const value = typeof t.value === 'string' ? t.value : '';
        if (value.length > 256) throw new AwsError('ValidationException', 'tag values are at most 256 characters');
        upsert.run(arn, t.key, value);
      }
      const n = (this.db.prepare('SELECT count(*) AS n FROM ops_tags WHERE resource_arn = ?').get(arn) as { n: number }).n;
      if (n > 50) throw new AwsError('TooManyTags', 'A resource can have at most 50 tags');
    })();
  }

  untag(arn: string, keys: unknown): void {
    if (!Array.isArray(keys)) throw new AwsError('ValidationException', 'tagKeys must be a list of strings');
    const del = this.db.prepare('DELETE FROM ops_tags WHERE resource_arn = ? AND key = ?');
    for (const k of keys) if (typeof k === 'string') del.run(arn, k);
  }

  list(arn: string): { key: string; value: string }[] {
    return (this.db.prepare('SELECT key, value FROM ops_tags WHERE resource_arn = ? ORDER BY key').all(arn) as { key: string; value: string }[]).map((r) => ({ key: r.key, value: r.value }));
  }
}
