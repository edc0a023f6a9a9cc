import type { Diagnostic } from '../schemas/diagnostic';
import { formatPath, type PathSegment, type YamlSource } from './yamlSource';

export interface ReportOptions {
  suggestion?: string | undefined;
  /** Point at the key rather than the value (misspelled keys). */
  at?: 'key' | 'value';
  code?: string;
  /** Offset of the mistake inside the scalar's string value (an expression's syntax error). */
  innerOffset?: number | undefined;
  /** Exact position when known (e.g. a YAML parser error). */
  position?: { line: number; col: number };
}

/** Collects diagnostics for one file, placing each at its YAML position. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  /** `line:col:message` of each diagnostic, so saying a problem once costs no scan of the others. */
  private readonly said = new Set<string>();
  private errors = 0;
  constructor(
    readonly file: string,
    readonly source: YamlSource,
  ) {}

  report(severity: 'error' | 'warning', path: readonly PathSegment[], message: string, opts: ReportOptions = {}): void {
    const pos = opts.position ?? this.source.position(path, opts.at, opts.innerOffset);
    const d: Diagnostic = { file: this.file, line: pos.line, col: pos.col, severity, path: formatPath(path), message, code: opts.code ?? 'check' };
    if (opts.suggestion !== undefined) d.suggestion = opts.suggestion;
    // The same problem can be found twice (e.g. by the schema and a semantic check); say it once.
    const key = `${d.line}:${d.col}:${d.message}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    this.diagnostics.push(d);
    if (severity === 'error') this.errors++;
  }
  error(path: readonly PathSegment[], message: string, opts?: ReportOptions): void {
    this.report('error', path, message, opts);
  }
  warning(path: readonly PathSegment[], message: string, opts?: ReportOptions): void {
    this.report('warning', path, message, opts);
  }
  get hasErrors(): boolean {
    return this.errors > 0;
  }
  /** Sorted by position, so output reads top to bottom. */
  sorted(): Diagnostic[] {
    return [...this.diagnostics].sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
  }
}
