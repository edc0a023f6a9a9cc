import dagre from '@dagrejs/dagre';
import type { GraphEdge, GraphNode, StepStatus, WorkflowGraph } from './model';
import { clip, escapeXml, textWidth, wrap } from './text';

export interface SvgOptions {
  /** What happened to each step of one execution, keyed by step id; drawn by colour and by a text and line cue. */
  stepStatus?: Readonly<Record<string, StepStatus>>;
}

const FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif";
const MAX_TEXT = 260;
const PAD_X = 12;
const PAD_Y = 8;
const LINE = 16;
/** Sum of the spans (in steps, source order) of the catch edges dagre lays out; see toSvg. */
const LAYOUT_CATCH_SPAN = 40;

interface Line {
  text: string;
  size: number;
  weight?: 'bold';
  style?: 'italic';
  colour: string;
}

const KIND_COLOURS: Record<GraphNode['kind'], { fill: string; stroke: string }> = {
  trigger: { fill: '#eef2ff', stroke: '#3730a3' },
  task: { fill: '#ffffff', stroke: '#374151' },
  human: { fill: '#fdf4ff', stroke: '#86198f' },
  wait: { fill: '#f0f9ff', stroke: '#075985' },
  choice: { fill: '#fffbeb', stroke: '#92400e' },
  set: { fill: '#f9fafb', stroke: '#4b5563' },
  map: { fill: '#f0fdf4', stroke: '#166534' },
  parallel: { fill: '#f0fdf4', stroke: '#166534' },
  succeed: { fill: '#ecfdf5', stroke: '#065f46' },
  end: { fill: '#ecfdf5', stroke: '#065f46' },
  fail: { fill: '#fef2f2', stroke: '#991b1b' },
};

/** Colour and a non-colour cue (a symbol and word, a line style) for each status: colour alone fails people who can't tell the colours apart. */
const STATUS: Record<StepStatus, { fill: string; stroke: string; text: string; dash?: string; width: number }> = {
  succeeded: { fill: '#dcfce7', stroke: '#15803d', text: '✓ succeeded', width: 2 },
  failed: { fill: '#fee2e2', stroke: '#b91c1c', text: '✗ failed', width: 3 },
  running: { fill: '#dbeafe', stroke: '#1d4ed8', text: '▶ running', width: 3 },
  waiting: { fill: '#fef3c7', stroke: '#b45309', text: '‖ waiting', dash: '8 3', width: 2 },
  'not-reached': { fill: '#f3f4f6', stroke: '#6b7280', text: '○ not reached', dash: '3 3', width: 1 },
};

function wrapped(text: string, size: number, maxLines: number, rest: Omit<Line, 'text' | 'size'>): Line[] {
  return wrap(text, MAX_TEXT, size, maxLines).map((t) => ({ text: t, size, ...rest }));
}

function nodeLines(n: GraphNode, status: StepStatus | undefined): Line[] {
  const lines: Line[] = [
    ...wrapped(n.label, 13, 1, { weight: 'bold', colour: '#111827' }),
    ...wrapped(n.summary, 12, 3, { colour: '#1f2937' }),
    ...n.details.flatMap((d) => wrapped(d, 12, 4, { colour: '#1f2937' })),
    ...(n.description !== undefined ? wrapped(n.description, 12, 4, { style: 'italic', colour: '#374151' }) : []),
    ...(n.retry !== undefined ? wrapped(`↻ ${n.retry}`, 11, 2, { colour: '#6b7280' }) : []),
  ];
  if (status) lines.push({ text: STATUS[status].text, size: 12, weight: 'bold', colour: '#111827' });
  return lines;
}

function textBlock(lines: readonly Line[], cx: number, top: number): string {
  return lines
    .map((l, i) => {
      const attrs = [
        `x="${r(cx)}"`,
        `y="${r(top + i * LINE + l.size)}"`,
        `font-size="${l.size}"`,
        `fill="${l.colour}"`,
        l.weight ? `font-weight="${l.weight}"` : '',
        l.style ? `font-style="${l.style}"` : '',
      ]
        .filter(Boolean)
        .join(' ');
      return `<text ${attrs}>${escapeXml(l.text)}</text>`;
    })
    .join('');
}

function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function shape(kind: GraphNode['kind'], x: number, y: number, w: number, h: number, paint: string): string {
  const left = x - w / 2;
  const top = y - h / 2;
  if (kind === 'choice') {
    const k = 14;
    const pts = [
      [left, y],
      [left + k, top],
      [left + w - k, top],
      [left + w, y],
      [left + w - k, top + h],
      [left + k, top + h],
    ];
    return `<polygon points="${pts.map(([a, b]) => `${r(a!)},${r(b!)}`).join(' ')}" ${paint}/>`;
  }
  if (kind === 'wait') {
    const k = 10;
    return `<polygon points="${[
      [left + k, top],
      [left + w, top],
      [left + w - k, top + h],
      [left, top + h],
    ]
      .map(([a, b]) => `${r(a!)},${r(b!)}`)
      .join(' ')}" ${paint}/>`;
  }
  const radius = kind === 'trigger' || kind === 'succeed' || kind === 'end' ? Math.min(h / 2, 22) : kind === 'fail' ? 0 : 6;
  const outer = `<rect x="${r(left)}" y="${r(top)}" width="${r(w)}" height="${r(h)}" rx="${radius}" ${paint}/>`;
  // forEach / parallel: a second frame behind, the usual "many" cue.
  if (kind === 'map' || kind === 'parallel')
    return `<rect x="${r(left + 4)}" y="${r(top + 4)}" width="${r(w)}" height="${r(h)}" rx="${radius}" fill="none" stroke="#166534" stroke-width="1"/>${outer}`;
  if (kind === 'human') return `${outer}<rect x="${r(left + 3)}" y="${r(top + 3)}" width="${r(w - 6)}" height="${r(h - 6)}" rx="4" fill="none" stroke="#86198f" stroke-width="1"/>`;
  return outer;
}

function edgePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(p.x)},${r(p.y)}`).join(' ');
}

function legend(y: number): { svg: string; height: number; width: number } {
  let x = 16;
  const parts: string[] = [];
  for (const [name, s] of Object.entries(STATUS)) {
    const w = textWidth(s.text, 12) + 20;
    parts.push(
      `<g class="cf-legend" data-status="${name}"><rect x="${x}" y="${y}" width="${w}" height="22" rx="4" fill="${s.fill}" stroke="${s.stroke}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${x + w / 2}" y="${y + 15}" font-size="12" fill="#111827">${escapeXml(s.text)}</text></g>`,
    );
    x += w + 8;
  }
  return { svg: parts.join(''), height: 34, width: x + 8 };
}

/**
 * A standalone SVG picture of the graph, laid out by dagre in Node: no browser, no DOM. Text widths
 * are estimated (textWidth), all text is escaped, nodes carry `data-step` for the console to hook.
 */
export function toSvg(graph: WorkflowGraph, options: SvgOptions = {}): string {
  const status = options.stepStatus ?? {};
  const statusOf = (n: GraphNode): StepStatus | undefined => (n.kind === 'trigger' || n.kind === 'end' ? undefined : status[n.id]);
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 44, edgesep: 16, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const lines = new Map<string, Line[]>();
  for (const n of graph.nodes) {
    const l = nodeLines(n, statusOf(n));
    lines.set(n.id, l);
    const extra = n.kind === 'choice' || n.kind === 'wait' ? 28 : n.kind === 'trigger' || n.kind === 'succeed' || n.kind === 'end' ? 16 : 0;
    g.setNode(n.id, { width: Math.max(120, Math.max(...l.map((x) => textWidth(x.text, x.size))) + 2 * PAD_X + extra), height: l.length * LINE + 2 * PAD_Y });
  }
  for (const grp of graph.groups) g.setNode(grp.id, { width: 0, height: 0, label: grp.label });
  for (const grp of graph.groups) if (grp.parent !== undefined) g.setParent(grp.id, grp.parent);
  for (const n of graph.nodes) if (n.group !== undefined) g.setParent(n.id, n.group);
  // Catch edges join the layout while their spans (in source order) stay small; the others are drawn
  // after it, as quiet curves on the right. A long edge costs dagre a dummy node on every rank it
  // crosses: 100 steps each catching into the last took 19 s to lay out with them, 1 s without.
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const span = (e: GraphEdge) => Math.abs((index.get(e.to) ?? 0) - (index.get(e.from) ?? 0));
  const routed = new Set<number>();
  let budget = LAYOUT_CATCH_SPAN;
  for (const i of graph.edges
    .map((e, i) => i)
    .filter((i) => graph.edges[i]!.quiet)
    .sort((a, b) => span(graph.edges[a]!) - span(graph.edges[b]!) || a - b)) {
    budget -= span(graph.edges[i]!);
    if (budget < 0) routed.add(i);
  }
  const edgeLines = new Map<number, string[]>();
  graph.edges.forEach((e, i) => {
    if (routed.has(i)) return;
    const size = e.quiet ? 10 : 11;
    const l = e.label !== undefined ? wrap(e.label, 220, size, 3) : [];
    edgeLines.set(i, l);
    const width = l.length ? Math.max(...l.map((t) => textWidth(t, size))) + 8 : 0;
    g.setEdge({ v: e.from, w: e.to, name: String(i) }, { width, height: l.length ? l.length * 14 + 4 : 0, labelpos: 'c', minlen: 1, weight: e.quiet ? 1 : 2 });
  });
  dagre.layout(g);

  const header: Line[] = [
    ...wrap(graph.name, 600, 15, 1).map((text) => ({ text, size: 15, weight: 'bold' as const, colour: '#111827' })),
    ...(graph.description !== undefined ? wrap(graph.description, Math.max(400, (g.graph().width ?? 0) - 32), 12, 3).map((text) => ({ text, size: 12, colour: '#374151' })) : []),
  ];
  const headerHeight = header.length * LINE + 12;
  const curves = new Map<number, { d: string; x: number; y: number; label: string }>();
  const laidOut = g.graph().width ?? 0;
  let right = laidOut;
  const labelled = new Set<string>();
  [...routed].forEach((i, k) => {
    const e = graph.edges[i]!;
    const a = g.node(e.from);
    const b = g.node(e.to);
    const [sx, sy, tx, ty] = [(a.x ?? 0) + a.width / 2, a.y ?? 0, (b.x ?? 0) + b.width / 2, b.y ?? 0];
    // Out past every node, then back in to the target's right side; one label per target and errors.
    const bulge = laidOut + 8 + 10 * (k % 6);
    const key = `${e.to}\u0000${e.label ?? ''}`;
    const label = labelled.has(key) ? '' : (wrap(e.label ?? '', 200, 10, 1)[0] ?? '');
    labelled.add(key);
    const dir = ty >= sy ? 1 : -1;
    const c = Math.min(6, Math.abs(ty - sy) / 2);
    const d = `M${r(sx)},${r(sy)} H${r(bulge - c)} Q${r(bulge)},${r(sy)} ${r(bulge)},${r(sy + dir * c)} V${r(ty - dir * c)} Q${r(bulge)},${r(ty)} ${r(bulge - c)},${r(ty)} H${r(tx + 2)}`;
    curves.set(i, { d, x: bulge + 4, y: (sy + ty) / 2, label });
    right = Math.max(right, bulge + 8 + textWidth(label, 10) + 16);
  });
  const gw = right;
  const gh = g.graph().height ?? 0;
  const showLegend = options.stepStatus !== undefined;
  const leg = legend(headerHeight + gh);
  const width = Math.ceil(Math.max(gw, 2 * 16 + Math.max(...header.map((h) => textWidth(h.text, h.size))), showLegend ? leg.width : 0));
  const height = Math.ceil(headerHeight + gh + (showLegend ? leg.height : 0));

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="${escapeXml(FONT)}" text-anchor="middle">`);
  out.push(`<title>${escapeXml(`Workflow ${graph.name}`)}</title>`);
  if (graph.description !== undefined) out.push(`<desc>${escapeXml(graph.description)}</desc>`);
  out.push(
    '<defs><marker id="cf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#374151"/></marker><marker id="cf-arrow-quiet" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9ca3af"/></marker></defs>',
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<g class="cf-header" text-anchor="start">${header.map((h, i) => `<text x="16" y="${12 + i * LINE + h.size}" font-size="${h.size}" fill="${h.colour}"${h.weight ? ` font-weight="${h.weight}"` : ''}>${escapeXml(h.text)}</text>`).join('')}</g>`,
  );
  out.push(`<g transform="translate(0,${headerHeight})">`);

  // Groups first (behind), outer before inner.
  for (const grp of graph.groups) {
    const c = g.node(grp.id);
    if (c.x === undefined || c.y === undefined) continue;
    const left = c.x - c.width / 2;
    const top = c.y - c.height / 2;
    out.push(
      `<g class="cf-group" data-group="${escapeXml(grp.id)}"><rect x="${r(left)}" y="${r(top)}" width="${r(c.width)}" height="${r(c.height)}" rx="8" fill="#f8fafc" stroke="#94a3b8" stroke-dasharray="6 4"/><text x="${r(left + 8)}" y="${r(top + 14)}" font-size="11" fill="#475569" text-anchor="start">${escapeXml(wrap(grp.label, Math.max(60, c.width - 16), 11, 1)[0] ?? '')}</text></g>`,
    );
  }
  // Normal edges over quiet ones, so the happy path reads first.
  const order = graph.edges.map((e, i) => [e, i] as [GraphEdge, number]).sort((a, b) => Number(b[0].quiet) - Number(a[0].quiet));
  for (const [e, i] of order) {
    // The label in full on hover: the picture may have cut a long condition.
    const title = e.label !== undefined ? `<title>${escapeXml(clip(e.label, 2000))}</title>` : '';
    const curve = curves.get(i);
    if (curve) {
      const label = curve.label
        ? `<rect x="${r(curve.x - 2)}" y="${r(curve.y - 9)}" width="${textWidth(curve.label, 10) + 4}" height="13" fill="#ffffff" fill-opacity="0.9"/><text x="${r(curve.x)}" y="${r(curve.y + 1)}" font-size="10" fill="#6b7280" text-anchor="start">${escapeXml(curve.label)}</text>`
        : '';
      out.push(
        `<g class="cf-edge cf-edge-${e.kind} cf-quiet cf-routed" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}">${title}<path d="${curve.d}" fill="none" stroke="#9ca3af" stroke-width="1" stroke-dasharray="5 4" marker-end="url(#cf-arrow-quiet)"/>${label}</g>`,
      );
      continue;
    }
    const d = g.edge({ v: e.from, w: e.to, name: String(i) });
    if (!d.points?.length) continue;
    const stroke = e.quiet ? 'stroke="#9ca3af" stroke-width="1" stroke-dasharray="5 4"' : 'stroke="#374151" stroke-width="1.5"';
    const parts = [`<path d="${edgePath(d.points)}" fill="none" ${stroke} marker-end="url(#${e.quiet ? 'cf-arrow-quiet' : 'cf-arrow'})"/>`];
    const l = edgeLines.get(i) ?? [];
    if (l.length && d.x !== undefined && d.y !== undefined) {
      const size = e.quiet ? 10 : 11;
      const w = d.width ?? 0;
      const h = d.height ?? 0;
      parts.push(`<rect x="${r(d.x - w / 2)}" y="${r(d.y - h / 2)}" width="${r(w)}" height="${r(h)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>`);
      parts.push(
        l
          .map(
            (t, k) =>
              `<text x="${r(d.x)}" y="${r(d.y! - h / 2 + 2 + k * 14 + size)}" font-size="${size}" fill="${e.quiet ? '#6b7280' : '#1f2937'}"${e.quiet ? '' : ' font-style="italic"'}>${escapeXml(t)}</text>`,
          )
          .join(''),
      );
    }
    out.push(`<g class="cf-edge cf-edge-${e.kind}${e.quiet ? ' cf-quiet' : ''}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}">${title}${parts.join('')}</g>`);
  }
  for (const n of graph.nodes) {
    const p = g.node(n.id);
    const s = statusOf(n);
    const look = s ? STATUS[s] : { ...KIND_COLOURS[n.kind], width: n.kind === 'trigger' ? 2 : 1.5, dash: undefined };
    const paint = `fill="${look.fill}" stroke="${look.stroke}" stroke-width="${look.width}"${look.dash ? ` stroke-dasharray="${look.dash}"` : ''}`;
    const l = lines.get(n.id) ?? [];
    const title = `${n.label}: ${n.summary}${s ? ` (${s})` : ''}`;
    out.push(
      `<g class="cf-node cf-kind-${n.kind}${s ? ` cf-status-${s}` : ''}" data-step="${escapeXml(n.id)}"><title>${escapeXml(title)}</title>${shape(n.kind, p.x ?? 0, p.y ?? 0, p.width, p.height, paint)}${textBlock(l, p.x ?? 0, (p.y ?? 0) - p.height / 2 + PAD_Y - 2)}</g>`,
    );
  }
  out.push('</g>');
  if (showLegend) out.push(leg.svg);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
