import type { Session } from '../auth/sessions';
import { html, type Html } from './html';

export const NAV = [
  { id: 'workflows', href: '/console/workflows', label: 'Workflows' },
  { id: 'executions', href: '/console/executions', label: 'Executions' },
  { id: 'tasks', href: '/console/tasks', label: 'Human tasks' },
  { id: 'reminders', href: '/console/reminders', label: 'Reminders' },
  { id: 'dead-letters', href: '/console/dead-letters', label: 'Dead letters' },
  { id: 'health', href: '/console/health', label: 'Health' },
] as const;

export type Section = (typeof NAV)[number]['id'];

/** A time: UTC in the page, turned into the viewer's zone by console.js; the patient's zone beside it when known. */
export function time(ms: number | undefined, patientZone?: string): Html {
  if (ms === undefined || !Number.isFinite(ms)) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" ${patientZone ? html`data-patient-zone="${patientZone}"` : ''}>${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>`;
}

export const statusBadge = (status: string): Html => html`<span class="badge status-${status.toLowerCase()}" data-status="${status}">${status.replace('_', ' ').toLowerCase()}</span>`;

export const csrfField = (session: Session): Html => html`<input type="hidden" name="_csrf" value="${session.csrf}">`;

export function page(opts: { title: string; section?: Section; session?: Session; body: Html; mode?: string }): string {
  const s = opts.session;
  const notice = s?.notice;
  if (s) delete s.notice;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${s ? html`<meta name="csrf-token" content="${s.csrf}">` : ''}
<title>${opts.title} · clinflow console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">clinflow console${opts.mode === 'aws' ? html` <span class="badge">AWS stage</span>` : ''}</span>
  ${
    s
      ? html`<nav aria-label="Sections" data-testid="nav"><ul>${NAV.map(
          (n) => html`<li><a id="nav-${n.id}" href="${n.href}" ${opts.section === n.id ? html`aria-current="page"` : ''}>${n.label}</a></li>`,
        )}</ul></nav>
  <form class="signout" method="post" action="/console/signout">${csrfField(s)}<span class="who" data-testid="who">${s.subject.replace(/^console:/, '')} · ${[...s.roles].join(', ')}</span> <button type="submit" id="signout">Sign out</button></form>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
${notice ? html`<p id="notice" tabindex="-1" class="notice notice-${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${notice.text}</p>` : ''}
${opts.body}
</main>
</body>
</html>`.text;
}

export function signInPage(opts: { error?: string; next?: string }): string {
  return page({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
<p>Enter your console token. <code>clinflow dev</code> prints one at start-up unless <code>CLINFLOW_CONSOLE_TOKEN</code> or <code>CLINFLOW_CONSOLE_TOKENS</code> is set.</p>
${opts.error ? html`<p id="signin-error" class="notice notice-error" role="alert">${opts.error}</p>` : ''}
<form id="signin-form" method="post" action="/console/signin" class="stack">
  <input type="hidden" name="next" value="${opts.next ?? '/console/executions'}">
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus ${opts.error ? html`aria-describedby="signin-error" aria-invalid="true"` : ''}>
  <button type="submit" id="signin-submit">Sign in</button>
</form>`,
  });
}

export function errorPage(opts: { status: number; title: string; message: string; session?: Session; mode?: string }): string {
  return page({
    title: opts.title,
    ...(opts.session ? { session: opts.session } : {}),
    ...(opts.mode ? { mode: opts.mode } : {}),
    body: html`<h1>${opts.title}</h1><p id="error-message" class="notice notice-error" role="alert">${opts.message}</p><p><a href="/console/executions">Back to executions</a></p>`,
  });
}
