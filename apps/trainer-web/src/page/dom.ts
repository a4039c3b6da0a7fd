/** Small DOM helpers: the app is plain DOM, its markup lives in index.html. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

export function input(id: string): HTMLInputElement {
  return byId<HTMLInputElement>(id);
}

type Child = Node | string | null | undefined | false;

/** Creates an element with attributes (`text` sets textContent) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | number | boolean> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') element.textContent = String(value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/** A table with a header row and body rows (cells are text or nodes). */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<Child>>, caption?: string): HTMLTableElement {
  return el(
    'table',
    {},
    caption ? el('caption', { text: caption }) : null,
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell ?? ''))))),
  );
}

export function numberValue(id: string, label: string): number {
  const field = input(id);
  const value = field.valueAsNumber;
  if (!Number.isFinite(value)) throw new Error(`${label}: enter a number`);
  return value;
}

export function formatNumber(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Shows an error in a `role="alert"` element (null hides it). */
export function showError(target: HTMLElement, error: unknown): void {
  if (error === null) {
    target.hidden = true;
    target.textContent = '';
    return;
  }
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  target.textContent = code && code !== 'INTERNAL' ? `${message} (${code})` : message;
  target.hidden = false;
}
