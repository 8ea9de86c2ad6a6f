// The two night-long charts (uPlot): the per-minute timeline — p(apnea) bars coloured by p, apnea
// episodes shaded, the detector threshold, a quality band under the bars — and the heart-rate
// trend. Both share the x axis (seconds from the start), a synced cursor, a marker of the ECG
// viewer's window, and call `onPick(minuteIndex)` when a minute is clicked.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import type { NightReport } from './api';
import { Clock, pColour } from './format';

const QUALITY_TOP = -0.05; // the quality band sits below p = 0 on the timeline's p scale
const QUALITY_BOTTOM = -0.16;
const AXIS_FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
const AXIS_STROKE = '#5b6475';
const GRID = { stroke: '#eceef3', width: 1 };
const TICKS = { stroke: '#c9ced8', width: 1, size: 4 };
const TIME_INCRS = [60, 300, 600, 900, 1800, 3600, 7200, 10800];

export interface NightChart {
  /** Marks the ECG viewer's window [t0, t1] (seconds). */
  setWindow(t0: number, t1: number): void;
  resize(width: number): void;
  destroy(): void;
  /** The chart's plot area in CSS pixels relative to the page, for tests and keyboard focus. */
  readonly over: HTMLElement;
}

interface Common {
  night: NightReport;
  clock: Clock;
  onPick: (minute: number) => void;
  onHover: (minute: number | null) => void;
}

function minuteAt(u: uPlot, night: NightReport, leftCss: number): number | null {
  const t = u.posToVal(leftCss, 'x');
  const n = night.minutes.length;
  if (!Number.isFinite(t) || n === 0) return null;
  const m = Math.floor(t / 60);
  return m >= 0 && m < n ? m : null;
}

function shade(u: uPlot, t0: number, t1: number, fill: string) {
  const x0 = u.valToPos(t0, 'x', true);
  const x1 = u.valToPos(t1, 'x', true);
  const { top, height, left, width } = u.bbox;
  const a = Math.max(left, Math.min(x0, x1));
  const b = Math.min(left + width, Math.max(x0, x1));
  if (b <= a) return;
  u.ctx.fillStyle = fill;
  u.ctx.fillRect(a, top, b - a, height);
}

function drawWindow(u: uPlot, win: [number, number] | null) {
  if (!win) return;
  const ctx = u.ctx;
  const x0 = u.valToPos(win[0], 'x', true);
  const x1 = Math.max(u.valToPos(win[1], 'x', true), x0 + 2 * devicePixelRatio);
  const { top, height } = u.bbox;
  ctx.save();
  ctx.fillStyle = 'rgba(38,70,83,0.16)';
  ctx.fillRect(x0, top, x1 - x0, height);
  ctx.strokeStyle = '#264653';
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.strokeRect(x0, top, x1 - x0, height);
  ctx.restore();
}

function timeAxis(clock: Clock): uPlot.Axis {
  return {
    scale: 'x',
    stroke: AXIS_STROKE,
    font: AXIS_FONT,
    grid: { show: false },
    ticks: TICKS,
    incrs: TIME_INCRS,
    space: 48,
    values: (_u, splits) => splits.map((s) => clock.label(s)),
  };
}

function baseCursor(): uPlot.Cursor {
  return {
    sync: { key: 'somna-night' },
    drag: { x: false, y: false, setScale: false },
    points: { show: false },
    y: false,
  };
}

function wire(u: uPlot, c: Common) {
  const over = u.over;
  over.addEventListener('click', (e) => {
    const rect = over.getBoundingClientRect();
    const m = minuteAt(u, c.night, e.clientX - rect.left);
    if (m !== null) c.onPick(m);
  });
  over.addEventListener('mouseleave', () => c.onHover(null));
  over.style.cursor = 'pointer';
}

/** The per-minute timeline. */
export function timelineChart(host: HTMLElement, width: number, c: Common): NightChart {
  const { night } = c;
  const mins = night.minutes;
  const xs = mins.map((m) => m.t + 30);
  const ps = mins.map((m) => (m.excluded ? null : m.p));
  const end = Math.max(night.record.recording_s, mins.length * 60, 60);
  const thr = night.detector.threshold;
  let win: [number, number] | null = null;

  const opts: uPlot.Options = {
    width,
    height: 190,
    padding: [8, 22, 0, 0],
    legend: { show: false },
    cursor: baseCursor(),
    scales: {
      x: { time: false, range: [0, end] },
      p: { range: [QUALITY_BOTTOM, 1.02] },
    },
    axes: [
      timeAxis(c.clock),
      {
        scale: 'p',
        stroke: AXIS_STROKE,
        font: AXIS_FONT,
        grid: GRID,
        ticks: TICKS,
        size: 42,
        splits: () => [0, 0.5, 1],
        values: (_u, splits) => splits.map((s) => s.toFixed(1)),
        label: 'p(apnea)',
        labelFont: AXIS_FONT,
        labelSize: 16,
      },
    ],
    series: [{}, { label: 'p(apnea)', scale: 'p', stroke: 'transparent', points: { show: false } }],
    hooks: {
      drawClear: [
        (u) => {
          for (const e of night.episodes) shade(u, e.start_s, e.start_s + e.duration_s, 'rgba(214,40,40,0.10)');
        },
      ],
      draw: [
        (u) => {
          const ctx = u.ctx;
          const y0 = u.valToPos(0, 'p', true);
          const qTop = u.valToPos(QUALITY_TOP, 'p', true);
          const qBot = u.valToPos(QUALITY_BOTTOM, 'p', true);
          const gap = mins.length > 240 ? 0 : devicePixelRatio * 0.6;
          ctx.save();
          for (const m of mins) {
            const x0 = u.valToPos(m.t, 'x', true);
            const x1 = u.valToPos(m.t + 60, 'x', true);
            const w = Math.max(1, x1 - x0 - gap);
            if (m.excluded) {
              ctx.fillStyle = 'rgba(141,153,174,0.35)';
              ctx.fillRect(x0, u.valToPos(1, 'p', true), w, y0 - u.valToPos(1, 'p', true));
            } else {
              const y = u.valToPos(Math.max(m.p, 0.015), 'p', true);
              ctx.fillStyle = pColour(m.p);
              ctx.fillRect(x0, y, w, y0 - y);
            }
            ctx.fillStyle = m.excluded ? '#8d99ae' : m.quality < 1 ? '#e9a23b' : '#cfe8e3';
            ctx.fillRect(x0, qTop, Math.max(1, x1 - x0), qBot - qTop);
          }
          // threshold
          const yt = u.valToPos(thr, 'p', true);
          ctx.strokeStyle = 'rgba(214,40,40,0.65)';
          ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.lineWidth = devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, yt);
          ctx.lineTo(u.bbox.left + u.bbox.width, yt);
          ctx.stroke();
          ctx.restore();
          drawWindow(u, win);
        },
      ],
      setCursor: [
        (u) => {
          const left = u.cursor.left ?? -1;
          c.onHover(left >= 0 ? minuteAt(u, night, left) : null);
        },
      ],
    },
  };
  const u = new uPlot(opts, [xs, ps] as uPlot.AlignedData, host);
  wire(u, c);
  return {
    over: u.over,
    setWindow(t0, t1) {
      win = [t0, t1];
      u.redraw(false, false);
    },
    resize(w) {
      u.setSize({ width: w, height: 190 });
    },
    destroy() {
      u.destroy();
    },
  };
}

/** The heart-rate trend: mean HR per minute (gaps where unknown), episodes shaded. */
export function heartRateChart(host: HTMLElement, width: number, c: Common): NightChart {
  const { night } = c;
  const mins = night.minutes;
  const xs = mins.map((m) => m.t + 30);
  const hr = mins.map((m) => (m.hr === null || m.excluded ? null : m.hr));
  const end = Math.max(night.record.recording_s, mins.length * 60, 60);
  const known = hr.filter((v): v is number => v !== null);
  const lo = known.length ? Math.min(...known) : 40;
  const hi = known.length ? Math.max(...known) : 100;
  const pad = Math.max(3, (hi - lo) * 0.12);
  let win: [number, number] | null = null;

  const opts: uPlot.Options = {
    width,
    height: 160,
    padding: [8, 22, 0, 0],
    legend: { show: false },
    cursor: baseCursor(),
    scales: {
      x: { time: false, range: [0, end] },
      bpm: { range: [Math.floor(lo - pad), Math.ceil(hi + pad)] },
    },
    axes: [
      timeAxis(c.clock),
      {
        scale: 'bpm',
        stroke: AXIS_STROKE,
        font: AXIS_FONT,
        grid: GRID,
        ticks: TICKS,
        size: 42,
        space: 28,
        label: 'bpm',
        labelFont: AXIS_FONT,
        labelSize: 16,
      },
    ],
    series: [
      {},
      {
        label: 'Heart rate',
        scale: 'bpm',
        stroke: '#264653',
        width: 1.6,
        spanGaps: false,
        points: { show: false },
      },
    ],
    hooks: {
      drawClear: [
        (u) => {
          for (const e of night.episodes) shade(u, e.start_s, e.start_s + e.duration_s, 'rgba(214,40,40,0.10)');
          for (const m of mins) if (m.excluded) shade(u, m.t, m.t + 60, 'rgba(141,153,174,0.18)');
        },
      ],
      draw: [(u) => drawWindow(u, win)],
      setCursor: [
        (u) => {
          const left = u.cursor.left ?? -1;
          c.onHover(left >= 0 ? minuteAt(u, night, left) : null);
        },
      ],
    },
  };
  const u = new uPlot(opts, [xs, hr] as uPlot.AlignedData, host);
  wire(u, c);
  return {
    over: u.over,
    setWindow(t0, t1) {
      win = [t0, t1];
      u.redraw(false, false);
    },
    resize(w) {
      u.setSize({ width: w, height: 160 });
    },
    destroy() {
      u.destroy();
    },
  };
}
