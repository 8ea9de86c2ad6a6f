// The ECG viewer: a window of 10, 30 or 60 s of the night's ECG on ECG-paper grid (uPlot), the
// detected beats marked (with the beat-to-beat heart rate), apnea minutes shaded and excluded
// minutes greyed. It scrolls through the whole night (slider, buttons, drag, horizontal wheel,
// keys) and jumps to a minute when the timeline asks. The current position is also kept in
// data-start-s / data-minute on the host so tests and assistive tools can read it.
import uPlot from 'uplot';

import type { EcgTrace, NightReport } from './api';
import { Clock, el, fixed } from './format';

const AXIS_FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
const HEIGHT = 240;
// Button icons (SVG paths on a 16x16 grid): no icon font, nothing fetched.
const ICON = {
  back: 'M10.5 3 5 8l5.5 5z',
  forward: 'M5.5 3 11 8l-5.5 5z',
  prevEpisode: 'M3 3h2v10H3zM13 3 6.5 8l6.5 5z',
  nextEpisode: 'M11 3h2v10h-2zM3 3l6.5 5L3 13z',
};

/** Robust y range of the whole trace (0.1 % and 99.9 % quantiles on a subsample). */
function yRange(samples: ArrayLike<number>): [number, number] {
  const n = samples.length;
  if (n === 0) return [-1, 1.5];
  const step = Math.max(1, Math.floor(n / 200000));
  const sub: number[] = [];
  for (let i = 0; i < n; i += step) {
    const v = samples[i];
    if (Number.isFinite(v)) sub.push(v);
  }
  if (sub.length === 0) return [-1, 1.5];
  sub.sort((a, b) => a - b);
  const lo = sub[Math.floor(sub.length * 0.001)];
  const hi = sub[Math.min(sub.length - 1, Math.floor(sub.length * 0.999))];
  const span = Math.max(hi - lo, 0.5);
  return [lo - 0.15 * span, hi + 0.35 * span];
}

/** Index of the first element >= x in a sorted array. */
function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class EcgViewer {
  private readonly u: uPlot;
  private readonly duration: number;
  private readonly range: [number, number];
  private readonly slider: HTMLInputElement;
  private readonly position: HTMLElement;
  private readonly widthSelect: HTMLSelectElement;
  private start = 0;
  private span: number;
  private readonly apneaMinutes: Set<number>;
  private readonly excludedMinutes: Set<number>;

  constructor(
    private readonly host: HTMLElement,
    private readonly trace: EcgTrace,
    private readonly night: NightReport,
    private readonly clock: Clock,
    private readonly onMove: (t0: number, t1: number) => void,
    width: number,
  ) {
    this.duration = Math.max(trace.start_s + trace.samples.length / trace.fs, night.record.recording_s, 1);
    this.range = yRange(trace.samples);
    this.span = width < 600 ? 10 : 30;
    this.apneaMinutes = new Set(night.minutes.filter((m) => m.label === 'A').map((m) => Math.floor(m.t / 60)));
    this.excludedMinutes = new Set(night.minutes.filter((m) => m.excluded).map((m) => Math.floor(m.t / 60)));

    // Controls
    const id = 'ecg-pos';
    this.slider = el('input', {
      type: 'range',
      id,
      min: '0',
      max: String(Math.max(0, Math.floor(this.duration - this.span))),
      step: '1',
      value: '0',
      'aria-label': 'Position in the night (seconds from the start)',
    });
    this.widthSelect = el(
      'select',
      { 'aria-label': 'Window length' },
      el('option', { value: '10' }, '10 s'),
      el('option', { value: '30' }, '30 s'),
      el('option', { value: '60' }, '60 s'),
    );
    this.widthSelect.value = String(this.span);
    this.position = el('p', { class: 'ecg-position', 'aria-live': 'polite' });
    const btn = (label: string, icon: string, fn: () => void) => {
      const b = el('button', { type: 'button', class: 'btn btn-small btn-icon', 'aria-label': label, title: label });
      b.innerHTML = `<svg viewBox="0 0 16 16" aria-hidden="true"><path d="${icon}"/></svg>`;
      b.addEventListener('click', fn);
      return b;
    };
    const toolbar = el(
      'div',
      { class: 'ecg-toolbar' },
      btn('Previous apnea episode', ICON.prevEpisode, () => this.episode(-1)),
      btn('Back one window', ICON.back, () => this.goTo(this.start - this.span)),
      this.slider,
      btn('Forward one window', ICON.forward, () => this.goTo(this.start + this.span)),
      btn('Next apnea episode', ICON.nextEpisode, () => this.episode(1)),
      this.widthSelect,
    );
    const plot = el('div', { class: 'ecg-plot' });
    host.replaceChildren(this.position, plot, toolbar);
    host.tabIndex = 0;
    host.setAttribute('role', 'group');
    host.setAttribute('aria-label', 'ECG viewer: left and right arrow keys scroll, page keys jump a window');

    this.slider.addEventListener('input', () => this.goTo(Number(this.slider.value)));
    this.widthSelect.addEventListener('change', () => {
      const mid = this.start + this.span / 2;
      this.span = Number(this.widthSelect.value);
      this.slider.max = String(Math.max(0, Math.floor(this.duration - this.span)));
      this.goTo(mid - this.span / 2);
    });
    host.addEventListener('keydown', (e) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      const step = { ArrowLeft: -2, ArrowRight: 2, PageUp: -this.span, PageDown: this.span }[e.key];
      if (step !== undefined) {
        e.preventDefault();
        this.goTo(this.start + step);
      } else if (e.key === 'Home') {
        e.preventDefault();
        this.goTo(0);
      } else if (e.key === 'End') {
        e.preventDefault();
        this.goTo(this.duration);
      }
    });

    this.u = new uPlot(this.options(width), this.window(), plot);
    this.enablePanning();
    this.goTo(0);
  }

  /** Shows the window starting at t (seconds), clamped to the night. */
  goTo(t: number) {
    const maxStart = Math.max(0, this.duration - this.span);
    this.start = Math.min(maxStart, Math.max(0, Number.isFinite(t) ? t : 0));
    this.slider.value = String(Math.round(this.start));
    this.u.batch(() => {
      this.u.setData(this.window(), false);
      this.u.setScale('x', { min: this.start, max: this.start + this.span });
    });
    const minute = Math.floor(this.start / 60);
    this.host.dataset.startS = this.start.toFixed(1);
    this.host.dataset.minute = String(minute);
    const m = this.night.minutes[minute];
    const what = m
      ? m.excluded
        ? `excluded (${m.reason || 'poor signal'})`
        : `p(apnea) ${fixed(m.p, 2)}${m.label === 'A' ? ' · apnea' : ''}${m.hr !== null ? ` · ${Math.round(m.hr)} bpm` : ''}`
      : '';
    this.position.replaceChildren(
      el('strong', {}, `Minute ${minute + 1}`),
      ` · ${this.clock.label(this.start, true)} – ${this.clock.label(this.start + this.span, true)}`,
      what ? ` · ${what}` : '',
    );
    this.onMove(this.start, this.start + this.span);
  }

  /** Shows minute m (0-based) from its start. */
  goToMinute(m: number) {
    this.goTo(m * 60);
  }

  resize(width: number) {
    this.u.setSize({ width, height: HEIGHT });
  }

  destroy() {
    this.u.destroy();
  }

  private episode(dir: 1 | -1) {
    const eps = this.night.episodes;
    if (eps.length === 0) return;
    const here = this.start + 0.5;
    const next =
      dir > 0 ? eps.find((e) => e.start_s > here) : [...eps].reverse().find((e) => e.start_s < here - 1);
    if (next) this.goTo(next.start_s);
  }

  /** The samples of the current window (null in gaps, which uPlot leaves blank). */
  private window(): uPlot.AlignedData {
    const { fs, samples, start_s } = this.trace;
    const i0 = Math.max(0, Math.floor((this.start - start_s) * fs) - 1);
    const i1 = Math.min(samples.length, Math.ceil((this.start + this.span - start_s) * fs) + 2);
    const n = Math.max(0, i1 - i0);
    const xs = new Array<number>(n);
    const ys = new Array<number | null>(n);
    for (let k = 0; k < n; k++) {
      xs[k] = start_s + (i0 + k) / fs;
      const v = samples[i0 + k];
      ys[k] = Number.isNaN(v) ? null : v;
    }
    return [xs, ys];
  }

  private options(width: number): uPlot.Options {
    const clock = this.clock;
    return {
      width,
      height: HEIGHT,
      padding: [6, 28, 0, 0],
      legend: { show: false },
      cursor: { show: false, drag: { x: false, y: false, setScale: false } },
      scales: {
        x: { time: false, auto: false, range: (_u, min, max) => [min, max] },
        y: { auto: false, range: () => this.range },
      },
      axes: [
        {
          stroke: '#5b6475',
          font: AXIS_FONT,
          grid: { show: false },
          ticks: { stroke: '#c9ced8', width: 1, size: 4 },
          incrs: [1, 2, 5, 10, 15, 30, 60],
          space: 64,
          values: (_u, splits) => splits.map((s) => clock.label(s, true)),
        },
        {
          stroke: '#5b6475',
          font: AXIS_FONT,
          grid: { show: false },
          ticks: { stroke: '#c9ced8', width: 1, size: 4 },
          size: 42,
          incrs: [0.5, 1, 2, 5],
          label: this.trace.unit,
          labelFont: AXIS_FONT,
          labelSize: 16,
          values: (_u, splits) => splits.map((s) => s.toFixed(1)),
        },
      ],
      series: [{}, { stroke: '#111', width: 1.1, points: { show: false }, spanGaps: false }],
      hooks: {
        drawClear: [(u) => this.drawPaper(u)],
        draw: [(u) => this.drawBeats(u)],
      },
    };
  }

  private drawPaper(u: uPlot) {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const x0 = u.scales.x.min ?? 0;
    const x1 = u.scales.x.max ?? 1;
    const [y0, y1] = this.range;
    ctx.save();
    ctx.fillStyle = '#fffdfd';
    ctx.fillRect(left, top, width, height);
    // minutes: apnea shaded, excluded greyed, minute starts labelled
    for (let m = Math.floor(x0 / 60); m * 60 < x1; m++) {
      const a = Math.max(left, u.valToPos(m * 60, 'x', true));
      const b = Math.min(left + width, u.valToPos((m + 1) * 60, 'x', true));
      if (this.excludedMinutes.has(m)) {
        ctx.fillStyle = 'rgba(141,153,174,0.22)';
        ctx.fillRect(a, top, b - a, height);
      } else if (this.apneaMinutes.has(m)) {
        ctx.fillStyle = 'rgba(214,40,40,0.07)';
        ctx.fillRect(a, top, b - a, height);
      }
    }
    const line = (x: number, y: number, x2: number, y2: number) => {
      ctx.moveTo(Math.round(x) + 0.5, Math.round(y) + 0.5);
      ctx.lineTo(Math.round(x2) + 0.5, Math.round(y2) + 0.5);
    };
    const pxPerS = width / Math.max(1e-6, x1 - x0);
    const pxPerMv = height / Math.max(1e-6, y1 - y0);
    const grid = (stepS: number, stepMv: number, colour: string, lw: number) => {
      ctx.beginPath();
      ctx.strokeStyle = colour;
      ctx.lineWidth = lw;
      if (stepS * pxPerS >= 4 * devicePixelRatio)
        for (let t = Math.ceil(x0 / stepS) * stepS; t <= x1; t += stepS) {
          const x = u.valToPos(t, 'x', true);
          line(x, top, x, top + height);
        }
      if (stepMv * pxPerMv >= 4 * devicePixelRatio)
        for (let v = Math.ceil(y0 / stepMv) * stepMv; v <= y1; v += stepMv) {
          const y = u.valToPos(v, 'y', true);
          line(left, y, left + width, y);
        }
      ctx.stroke();
    };
    grid(0.04, 0.1, '#fcebeb', devicePixelRatio * 0.5);
    grid(0.2, 0.5, '#f8d0d0', devicePixelRatio * 0.7);
    grid(1, 1e9, '#f0a8a8', devicePixelRatio * 0.8);
    // minute boundaries
    ctx.fillStyle = '#5b6475';
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textBaseline = 'bottom';
    ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.strokeStyle = '#264653';
    for (let m = Math.ceil(x0 / 60); m * 60 <= x1; m++) {
      const x = u.valToPos(m * 60, 'x', true);
      ctx.beginPath();
      line(x, top, x, top + height);
      ctx.stroke();
      ctx.fillText(`min ${m + 1}`, x + 4 * devicePixelRatio, top + height - 3 * devicePixelRatio);
    }
    ctx.restore();
  }

  private drawBeats(u: uPlot) {
    const beats = this.trace.beats;
    if (beats.length === 0) return;
    const ctx = u.ctx;
    const x0 = u.scales.x.min ?? 0;
    const x1 = u.scales.x.max ?? 1;
    const { fs, samples, start_s } = this.trace;
    const { top } = u.bbox;
    const dpr = devicePixelRatio;
    const first = lowerBound(beats, x0 - 3);
    ctx.save();
    ctx.fillStyle = '#d62828';
    ctx.font = `${10.5 * dpr}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    let prevX: number | null = null;
    let prevT: number | null = null;
    for (let i = first; i < beats.length && beats[i] <= x1 + 3; i++) {
      const t = beats[i];
      const x = u.valToPos(t, 'x', true);
      if (t >= x0 && t <= x1) {
        // marker above the trace
        ctx.fillStyle = '#d62828';
        ctx.beginPath();
        ctx.moveTo(x - 4 * dpr, top + 2 * dpr);
        ctx.lineTo(x + 4 * dpr, top + 2 * dpr);
        ctx.lineTo(x, top + 9 * dpr);
        ctx.closePath();
        ctx.fill();
        // dot on the R peak
        const v = samples[Math.min(samples.length - 1, Math.max(0, Math.round((t - start_s) * fs)))];
        if (Number.isFinite(v)) {
          ctx.beginPath();
          ctx.arc(x, u.valToPos(v, 'y', true), 2.6 * dpr, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
      if (prevX !== null && prevT !== null && x - prevX >= 22 * dpr && t > x0 && prevT < x1) {
        const bpm = 60 / (t - prevT);
        if (bpm > 15 && bpm < 300) {
          ctx.fillStyle = '#5b6475';
          ctx.fillText(String(Math.round(bpm)), (x + prevX) / 2, top + 11 * dpr);
        }
      }
      prevX = x;
      prevT = t;
    }
    ctx.restore();
  }

  private enablePanning() {
    const over = this.u.over;
    over.style.cursor = 'grab';
    over.style.touchAction = 'pan-y';
    let dragX: number | null = null;
    let dragStart = 0;
    over.addEventListener('pointerdown', (e) => {
      dragX = e.clientX;
      dragStart = this.start;
      over.setPointerCapture(e.pointerId);
      over.style.cursor = 'grabbing';
    });
    over.addEventListener('pointermove', (e) => {
      if (dragX === null) return;
      const w = over.clientWidth || 1;
      this.goTo(dragStart - ((e.clientX - dragX) / w) * this.span);
    });
    const end = () => {
      dragX = null;
      over.style.cursor = 'grab';
    };
    over.addEventListener('pointerup', end);
    over.addEventListener('pointercancel', end);
    over.addEventListener(
      'wheel',
      (e) => {
        const dx = e.shiftKey ? e.deltaY : e.deltaX;
        if (Math.abs(dx) < 1 || (!e.shiftKey && Math.abs(e.deltaX) < Math.abs(e.deltaY))) return;
        e.preventDefault();
        this.goTo(this.start + (dx / (over.clientWidth || 1)) * this.span);
      },
      { passive: false },
    );
  }
}

/**
 * The API's `waveform` ("x,y x,y …": the first 10 s of ECG, x in 0…1000, y in 0…200 with high
 * voltages near 0) as an SVG, for servers that send no full ECG.
 */
export function waveformSvg(points: string): SVGSVGElement | null {
  if (!/\d/.test(points)) return null;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 1000 200');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'waveform');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'The first 10 seconds of the ECG');
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#111');
  line.setAttribute('stroke-width', '1.2');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(line);
  return svg;
}
