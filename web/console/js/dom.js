// Building the page without innerHTML: every text from the API is set as
// text, never parsed as markup.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate']);

// h('button', { type: 'button', onclick }, 'Save'): an element with
// attributes (on* names add listeners; value/checked/… are set as
// properties; false, null and undefined are left out) and children (strings,
// nodes, arrays of them; null and false are skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (PROPERTIES.has(name)) {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A labelled form control: the label wraps the control, so the control's
// accessible name is the label's text.
export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), control,
           hint ? h('small', { class: 'hint' }, hint) : null);
}

// A checkbox with its label on the right (a switch).
export function toggle(label, checked, onchange, hint) {
  const input = h('input', { type: 'checkbox', role: 'switch', checked: !!checked, onchange });
  return h('label', { class: 'toggle' }, input,
           h('span', {}, h('span', { class: 'toggle-label' }, label),
             hint ? h('small', { class: 'hint' }, hint) : null));
}

export function input(attrs) {
  return h('input', { type: 'text', ...attrs });
}

export function button(label, onclick, attrs = {}) {
  return h('button', { type: 'button', onclick, ...attrs }, label);
}

// A region that shows a form's error (role=alert: read out when it appears).
export function errorBox() {
  const el = h('p', { class: 'error', role: 'alert', hidden: true });
  el.show = (message) => {
    el.textContent = message;
    el.hidden = !message;
  };
  return el;
}

export function formatDate(millis) {
  if (millis === null || millis === undefined) return '—';
  return new Date(millis).toLocaleString();
}

export function table(headers, rows, emptyText = 'Nothing here yet.') {
  if (!rows.length) return h('p', { class: 'empty' }, emptyText);
  return h('div', { class: 'table-wrap' },
           h('table', {},
             h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
             h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c)))))));
}

// A table shown a page at a time, as the API pages its lists: each answer
// names the cursor of the next page, and the cursors of the pages seen are
// kept for Previous. `load(cursor)` resolves to { rows, next, empty } (empty:
// the text shown when there is no row). The element's restart() shows the
// first page (again); it must be called once.
export function pagedTable(headers, label, load) {
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const cursors = [undefined];
  let index = 0;
  const show = async () => {
    try {
      const { rows, next, empty } = await load(cursors[index]);
      cursors.length = index + 1;
      if (next) cursors.push(next);
      const prev = button('Previous page', () => { index -= 1; show(); }, { disabled: index === 0 });
      const nextButton = button('Next page', () => { index += 1; show(); }, { disabled: !next });
      clear(results).append(table(headers, rows, empty),
        h('nav', { class: 'pager', 'aria-label': label }, prev,
          h('span', { class: 'muted' }, `Page ${index + 1}`), nextButton));
    } catch (e) {
      clear(results).append(h('p', { class: 'error', role: 'alert' }, e.message));
    }
  };
  results.restart = () => {
    index = 0;
    cursors.length = 1;
    return show();
  };
  return results;
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

// Runs `action` with the button disabled and errors shown in `errors`;
// resolves to the action's result, or undefined when it threw.
export async function busy(buttonEl, errors, action) {
  if (buttonEl) buttonEl.disabled = true;
  errors?.show('');
  try {
    return await action();
  } catch (e) {
    if (errors) errors.show(e.message || String(e));
    else toast(e.message || String(e), true);
    return undefined;
  } finally {
    if (buttonEl) buttonEl.disabled = false;
  }
}

let toastTimer;
export function toast(message, isError = false) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.toggle('toast-error', isError);
  el.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('visible'), 4000);
}

// A modal confirmation (<dialog>): resolves true when the person confirms.
// Cancel has the focus, so Enter does not destroy anything by accident.
export function confirmDialog(title, message, confirmLabel = 'Delete') {
  return new Promise((resolve) => {
    const cancel = button('Cancel', () => dialog.close('cancel'), { autofocus: true });
    const ok = button(confirmLabel, () => dialog.close('confirm'), { class: 'danger' });
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' },
                     h('h2', { id: 'confirm-title' }, title), h('p', {}, message),
                     h('div', { class: 'actions' }, cancel, ok));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'confirm');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// A read-only value with a Copy button.
export function copyable(label, value) {
  const box = h('input', { type: 'text', readonly: true, value, class: 'mono' });
  return h('div', { class: 'copyable' }, field(label, box),
           button('Copy', async () => {
             try {
               await navigator.clipboard.writeText(value);
               toast('Copied');
             } catch {
               box.select();
               toast('Select and copy the text (clipboard not available)');
             }
           }, { 'aria-label': `Copy ${label}` }));
}

export const DAY = 24 * 60 * 60 * 1000;

// A key's state as a badge: revoked, expired or active.
export function keyStatus(revokedAtMillis, expiresAtMillis) {
  if (revokedAtMillis) return h('span', { class: 'badge bad' }, 'Revoked');
  if (expiresAtMillis && expiresAtMillis < Date.now()) return h('span', { class: 'badge bad' }, 'Expired');
  return h('span', { class: 'badge on' }, 'Active');
}
