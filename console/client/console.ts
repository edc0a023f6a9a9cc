/**
 * The console's browser script (bundled into dist/console/console.js by the build; no framework). The pages work
 * without it; it adds: times in the viewer's zone, the live executions list (server-sent events),
 * reveals of inputs/outputs, confirmations, and select-all for bulk redrive.
 */
const csrf = (): string => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

function localTimes(root: ParentNode): void {
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Components, not dateStyle/timeStyle: those may not be combined with timeZoneName (a TypeError
  // that stopped the whole script in Chromium; found by test/browser/console.test.ts).
  const fmt = (zone: string): Intl.DateTimeFormat =>
    new Intl.DateTimeFormat(undefined, { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  root.querySelectorAll<HTMLTimeElement>('time[datetime]').forEach((el) => {
    if (el.dataset.local === '1') return;
    const d = new Date(el.dateTime);
    if (Number.isNaN(d.getTime())) return;
    const patient = el.dataset.patientZone;
    el.title = `${el.dateTime} (UTC)`;
    el.textContent = fmt(viewerZone).format(d) + (patient && patient !== viewerZone ? ` · patient: ${fmt(patient).format(d)}` : '');
    el.dataset.local = '1';
  });
}

function live(): void {
  const status = document.querySelector<HTMLElement>('[data-live]');
  const body = document.getElementById('executions-body');
  if (!status || !body || typeof EventSource === 'undefined') return;
  const source = new EventSource(status.dataset.live ?? '');
  let pending = false;
  source.addEventListener('executions', () => {
    if (pending) return;
    pending = true;
    // Keep what the person is doing: the selection of rows for bulk redrive survives the refresh.
    const selected = new Set([...body.querySelectorAll<HTMLInputElement>('input[name="arn"]:checked')].map((i) => i.value));
    fetch(body.dataset.fragment ?? '', { credentials: 'same-origin' })
      .then(async (res) => {
        if (res.status === 401) {
          status.textContent = 'Signed out: reload to sign in again.';
          source.close();
          return;
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        body.innerHTML = await res.text();
        body.querySelectorAll<HTMLInputElement>('input[name="arn"]').forEach((i) => {
          i.checked = selected.has(i.value);
        });
        localTimes(body);
        document.getElementById('empty-state')?.remove();
        status.textContent = `Live: updated ${new Date().toLocaleTimeString()}.`;
        status.dataset.updated = String(Date.now());
      })
      .catch((err: unknown) => {
        status.textContent = `Live update failed (${String(err)}); it will retry on the next change.`;
      })
      .finally(() => {
        pending = false;
      });
  });
  source.addEventListener('signed-out', () => {
    status.textContent = 'Your session ended: reload to sign in again.';
    source.close();
  });
  source.onerror = () => {
    status.textContent = 'Live updates interrupted; reconnecting…';
  };
  source.onopen = () => {
    status.textContent = 'Live: new executions appear here.';
  };
}

function reveals(): void {
  document.addEventListener('click', (ev) => {
    const btn = (ev.target as Element | null)?.closest<HTMLButtonElement>('button.reveal');
    if (!btn) return;
    const target = document.getElementById(btn.getAttribute('aria-controls') ?? '');
    if (!target) return;
    btn.disabled = true;
    const body: Record<string, string> = { arn: btn.dataset.arn ?? '' };
    if (btn.dataset.event) body.event = btn.dataset.event;
    fetch('/console/api/reveal', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf(), Accept: 'application/json' },
      body: JSON.stringify(body),
    })
      .then(async (res) => {
        const data = (await res.json()) as { input?: string; output?: string; message?: string };
        target.replaceChildren();
        if (!res.ok) {
          const p = document.createElement('p');
          p.className = 'notice notice-error';
          p.setAttribute('role', 'alert');
          p.textContent = data.message ?? `The reveal failed (HTTP ${res.status}).`;
          target.append(p);
          btn.disabled = false;
          return;
        }
        for (const [label, text] of [
          ['Input', data.input],
          ['Output', data.output],
        ] as const) {
          if (text === undefined) continue;
          const h = document.createElement('h3');
          h.textContent = label;
          const pre = document.createElement('pre');
          pre.dataset.testid = `revealed-${label.toLowerCase()}`;
          try {
            pre.textContent = JSON.stringify(JSON.parse(text), null, 2);
          } catch {
            pre.textContent = text;
          }
          target.append(h, pre);
        }
        if (!target.childElementCount) target.textContent = 'This event carries no input or output.';
        btn.textContent = 'Revealed (recorded in the audit trail)';
      })
      .catch((err: unknown) => {
        target.textContent = `The reveal failed: ${String(err)}`;
        btn.disabled = false;
      });
  });
}

function confirmations(): void {
  document.addEventListener('submit', (ev) => {
    const form = ev.target as HTMLFormElement;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) ev.preventDefault();
  });
}

document.addEventListener('DOMContentLoaded', () => {
  localTimes(document);
  live();
  reveals();
  confirmations();
  document.getElementById('notice')?.focus();
});
