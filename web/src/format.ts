// Formatting and colours shared by the page's parts. The colours are those of the HTML report
// (src/report/html_report.cpp) so the page and the report read the same way.

export const SEVERITY_COLOUR: Record<string, string> = {
  normal: '#2a9d8f',
  mild: '#e9a23b',
  moderate: '#e76f51',
  severe: '#c1121f',
};
export const UNKNOWN_COLOUR = '#6c757d';

export function severityColour(severity: string | null): string {
  return (severity && SEVERITY_COLOUR[severity]) || UNKNOWN_COLOUR;
}

/** p in [0,1] -> colour: calm blue-green, through yellow (uncertain), to red (apnea). */
export function pColour(p: number): string {
  const c = Math.min(1, Math.max(0, p));
  const mix = (a: number, b: number, f: number) => Math.round(a + (b - a) * f);
  let rgb: number[];
  if (c < 0.5) {
    const f = c / 0.5;
    rgb = [mix(0x2a, 0xe9, f), mix(0x9d, 0xc4, f), mix(0x8f, 0x6a, f)];
  } else {
    const f = (c - 0.5) / 0.5;
    rgb = [mix(0xe9, 0xd6, f), mix(0xc4, 0x28, f), mix(0x6a, 0x28, f)];
  }
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

/** "7 h 32 min", "45 min", "38 s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  const h = Math.floor(m / 60);
  return h > 0 ? `${h} h ${String(m % 60).padStart(2, '0')} min` : `${m} min`;
}

function parseStart(start: string | null): number | null {
  if (!start) return null;
  const m = /(\d{1,2}):(\d{2}):(\d{2})\s*$/.exec(start);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/**
 * Time labels along the night: the wall clock when the record has a start time ("23:40"),
 * otherwise the elapsed time ("1:05" = 1 h 05 min); `withSeconds` adds ":ss".
 */
export class Clock {
  private readonly base: number | null;
  constructor(start: string | null) {
    this.base = parseStart(start);
  }
  get wall(): boolean {
    return this.base !== null;
  }
  label(t: number, withSeconds = false): string {
    const s = Math.floor((this.base ?? 0) + t);
    const hh = this.base !== null ? Math.floor(s / 3600) % 24 : Math.floor(s / 3600);
    const mm = Math.floor(s / 60) % 60;
    const ss = s % 60;
    const hs = this.base !== null ? String(hh).padStart(2, '0') : String(hh);
    return withSeconds
      ? `${hs}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`
      : `${hs}:${String(mm).padStart(2, '0')}`;
  }
}

export function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Builds an element: el('div', {class: 'x'}, 'text', child). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
