/** Prometheus text-format counters and a latency histogram for the trigger endpoints. */
const BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class TriggerMetrics {
  private readonly counters = new Map<string, number>();
  private readonly buckets = BUCKETS_SECONDS.map(() => 0);
  private latencyCount = 0;
  private latencySum = 0;

  /** `name` is a metric name, `labels` small fixed sets (endpoint, status, origin): never user data. */
  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = `${name}${formatLabels(labels)}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(`${name}${formatLabels(labels)}`) ?? 0;
  }

  observeLatency(seconds: number): void {
    this.latencyCount += 1;
    this.latencySum += seconds;
    BUCKETS_SECONDS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    });
  }

  render(): string {
    const lines: string[] = [];
    const typed = new Set<string>();
    for (const [key, value] of [...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const name = key.split('{')[0] ?? key;
      if (!typed.has(name)) {
        lines.push(`# TYPE ${name} counter`);
        typed.add(name);
      }
      lines.push(`${key} ${value}`);
    }
    const h = 'clinflow_trigger_request_duration_seconds';
    lines.push(`# TYPE ${h} histogram`);
    BUCKETS_SECONDS.forEach((b, i) => lines.push(`${h}_bucket{le="${b}"} ${this.buckets[i] ?? 0}`));
    lines.push(`${h}_bucket{le="+Inf"} ${this.latencyCount}`, `${h}_sum ${this.latencySum}`, `${h}_count ${this.latencyCount}`);
    return `${lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}
