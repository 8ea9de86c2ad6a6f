// The Somna page: choose or drop a recording, upload it to POST /predict with progress, then show
// the night (summary cards, timeline, heart rate, scrolling ECG, episodes). The parts are in
// charts.ts (timeline, heart rate), ecg.ts (ECG viewer), api.ts (requests and response types).
import './style.css';

import { ApiError, ecgFromResponse, health, predict, type PredictResponse } from './api';
import { heartRateChart, timelineChart, type NightChart } from './charts';
import { EcgViewer, waveformSvg } from './ecg';
import { bytes, Clock, duration, el, fixed, severityColour } from './format';

const TOKEN_KEY = 'somna.token';
const BADGE: Record<string, string> = {
  normal: 'No sleep apnea (AHI < 5)',
  mild: 'Mild sleep apnea',
  moderate: 'Moderate sleep apnea',
  severe: 'Severe sleep apnea',
  null: 'Not enough analysable signal',
};

const $ = <T extends HTMLElement = HTMLElement>(id: string) => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing from index.html`);
  return e as T;
};

const ui = {
  dropzone: $('dropzone'),
  files: $<HTMLInputElement>('files'),
  chosen: $('chosen'),
  fileList: $('file-list'),
  fsField: $('fs-field'),
  fs: $<HTMLInputElement>('fs'),
  analyse: $<HTMLButtonElement>('analyse'),
  progress: $('progress'),
  progressText: $('progress-text'),
  progressPct: $('progress-pct'),
  progressBar: $('progress-bar'),
  progressFill: $('progress-fill'),
  error: $('error'),
  results: $('results'),
  token: $<HTMLInputElement>('token'),
  tokenBox: $<HTMLDetailsElement>('token-box'),
  serverStatus: $('server-status'),
  upload: $('upload'),
};

let chosen: File[] = [];
let busy = false;
let view: { charts: NightChart[]; ecg: EcgViewer | null } | null = null;

// ---- token ---------------------------------------------------------------------------------------

function storedToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}
ui.token.value = storedToken();
ui.token.addEventListener('input', () => {
  try {
    if (ui.token.value.trim()) localStorage.setItem(TOKEN_KEY, ui.token.value.trim());
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token is still used for this page */
  }
});

// ---- server status -------------------------------------------------------------------------------

void health().then((h) => {
  if (!h) {
    ui.serverStatus.textContent = 'Server not reachable';
    ui.serverStatus.className = 'pill pill-bad';
    return;
  }
  const det = h.detector as { name?: string; kind?: string } | undefined;
  const model = h.model as { name?: string } | undefined;
  const name = det?.name ?? model?.name;
  ui.serverStatus.textContent = name ? `Ready · ${name}` : 'Ready';
  ui.serverStatus.title = `Somna ${String(h.version ?? '')} · ${String(h.device ?? '')}`.trim();
  ui.serverStatus.className = 'pill pill-ok';
});

// ---- choosing files ------------------------------------------------------------------------------

const ext = (f: File) => f.name.toLowerCase().replace(/^.*(\.[^.]+)$/, '$1');

function needsFs(files: File[]) {
  return files.some((f) => ext(f) === '.csv');
}

/** True when the files make a complete upload we can send without asking anything else. */
function readyToSend(files: File[]) {
  if (files.length === 0) return false;
  if (needsFs(files)) return Number(ui.fs.value) > 0;
  return true;
}

function choose(files: File[]) {
  if (busy || files.length === 0) return;
  chosen = files;
  hideError();
  ui.fileList.replaceChildren(
    ...files.map((f) => el('li', {}, el('span', { class: 'fname' }, f.name), el('span', { class: 'fsize' }, bytes(f.size)))),
  );
  ui.chosen.hidden = false;
  ui.fsField.hidden = !needsFs(files);
  if (readyToSend(files)) void run();
  else if (needsFs(files)) ui.fs.focus();
}

ui.files.addEventListener('change', () => {
  choose(Array.from(ui.files.files ?? []));
  ui.files.value = '';
});
ui.analyse.addEventListener('click', () => void run());
ui.fs.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') void run();
});

ui.dropzone.addEventListener('click', (e) => {
  if (!(e.target instanceof HTMLLabelElement) && !(e.target instanceof HTMLInputElement)) ui.files.click();
});
ui.dropzone.tabIndex = 0;
ui.dropzone.setAttribute('role', 'button');
ui.dropzone.setAttribute('aria-label', 'Choose or drop recording files');
ui.dropzone.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    ui.files.click();
  }
});
for (const ev of ['dragenter', 'dragover'] as const)
  ui.dropzone.addEventListener(ev, (e) => {
    e.preventDefault();
    ui.dropzone.classList.add('over');
  });
for (const ev of ['dragleave', 'dragend'] as const)
  ui.dropzone.addEventListener(ev, () => ui.dropzone.classList.remove('over'));
ui.dropzone.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.dropzone.classList.remove('over');
  choose(Array.from(e.dataTransfer?.files ?? []));
});
// A file dropped outside the zone must not navigate away from the page.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

// ---- progress and errors -------------------------------------------------------------------------

function setProgress(text: string, fraction: number | null) {
  ui.progress.hidden = false;
  ui.progressText.textContent = text;
  ui.progress.classList.toggle('indeterminate', fraction === null);
  if (fraction === null) {
    ui.progressPct.textContent = '';
    ui.progressBar.removeAttribute('aria-valuenow');
    ui.progressFill.style.width = '';
  } else {
    const pct = Math.round(fraction * 100);
    ui.progressPct.textContent = `${pct} %`;
    ui.progressBar.setAttribute('aria-valuenow', String(pct));
    ui.progressFill.style.width = `${pct}%`;
  }
}

function hideError() {
  ui.error.hidden = true;
  ui.error.replaceChildren();
}

function showError(err: unknown) {
  const e =
    err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err), 'client', 0);
  const detail = [e.status ? `HTTP ${e.status}` : '', e.code, e.requestId && `request ${e.requestId}`]
    .filter(Boolean)
    .join(' · ');
  const hint =
    e.status === 401 || e.status === 403
      ? 'This server needs an access token: set it under “Access token” at the top and try again.'
      : e.status === 413
        ? 'The upload is larger than this server accepts.'
        : e.status === 503
          ? `The server is busy; try again${e.retryAfterS ? ` in ${e.retryAfterS} s` : ' in a moment'}.`
          : e.status >= 500
            ? 'Something went wrong on the server; the request id above finds the details in its log.'
            : '';
  ui.error.replaceChildren(
    el('strong', { class: 'error-title' }, 'The recording could not be analysed'),
    el('p', { class: 'error-message', id: 'error-message' }, e.message),
    el('p', { class: 'error-code', id: 'error-code' }, detail),
    ...(hint ? [el('p', { class: 'error-hint' }, hint)] : []),
  );
  ui.error.hidden = false;
  ui.error.scrollIntoView({ behavior: 'smooth', block: 'center' });
  if (e.status === 401 || e.status === 403) ui.tokenBox.open = true;
}

// ---- upload --------------------------------------------------------------------------------------

async function run() {
  if (busy) return;
  if (chosen.length === 0) {
    showError(new ApiError('Choose a recording first.', 'no_files', 0));
    return;
  }
  const fs = needsFs(chosen) ? Number(ui.fs.value) : undefined;
  if (fs !== undefined && !(fs > 0)) {
    showError(new ApiError('A CSV file needs its sampling rate in Hz.', 'missing_fs', 0));
    ui.fs.focus();
    return;
  }
  busy = true;
  hideError();
  // What is on screen belongs to the last upload: hide it while the new one is analysed.
  ui.results.hidden = true;
  ui.upload.classList.remove('compact');
  document.body.dataset.state = 'busy';
  ui.analyse.disabled = true;
  ui.upload.setAttribute('aria-busy', 'true');
  const total = chosen.reduce((s, f) => s + f.size, 0);
  setProgress(`Uploading ${bytes(total)}…`, 0);
  try {
    const { promise } = predict(
      { files: chosen, fs, token: ui.token.value.trim() || undefined },
      {
        onUploadProgress: (sent, all) => setProgress(`Uploading ${bytes(all || total)}…`, all ? sent / all : null),
        onUploaded: () => setProgress('Analysing the night…', null),
        onDownloadProgress: (got) => setProgress(`Receiving the results… ${bytes(got)}`, null),
      },
    );
    const res = await promise;
    setProgress('Drawing…', null);
    await new Promise((r) => requestAnimationFrame(r));
    show(res);
    ui.progress.hidden = true;
  } catch (err) {
    ui.progress.hidden = true;
    document.body.dataset.state = 'error';
    showError(err);
  } finally {
    busy = false;
    ui.analyse.disabled = false;
    ui.upload.removeAttribute('aria-busy');
  }
}

// ---- the night -----------------------------------------------------------------------------------

function card(key: string, value: Node | string, sub: string, extra = '') {
  return el(
    'div',
    { class: `card ${extra}`.trim() },
    el('div', { class: 'k' }, key),
    el('div', { class: 'v' }, value),
    el('div', { class: 's' }, sub),
  );
}

function hours(seconds: number) {
  const v = el('span', { title: duration(seconds) }, `${fixed(seconds / 3600, 1)}`, el('small', {}, ' h'));
  return v;
}

function chartWidth(host: HTMLElement) {
  return Math.max(260, Math.floor(host.clientWidth));
}

function show(res: PredictResponse) {
  view?.charts.forEach((c) => c.destroy());
  view?.ecg?.destroy();
  const night = res.night;
  const s = night.summary;
  const rec = night.record;
  const clock = new Clock(rec.start);

  ui.results.hidden = false;
  ui.upload.classList.add('compact');

  // head
  $('record-name').textContent = res.demographics?.record_name || rec.name;
  $('record-meta').textContent = [
    `${fixed(rec.fs, 0)} Hz`,
    `${res.demographics?.number_of_signals ?? 1} signal${res.demographics?.number_of_signals === 1 ? '' : 's'}`,
    `channel ${rec.channel}`,
    rec.start ? `started ${rec.start}` : 'start time not recorded',
    `${rec.n_beats.toLocaleString('en')} beats`,
    res.timestamp ? `analysed ${new Date(res.timestamp).toLocaleString()}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const colour = severityColour(s.severity);
  const download = el(
    'button',
    { type: 'button', class: 'btn btn-small btn-ghost', title: 'The night report as JSON (somna.night-report/1)' },
    'Download JSON',
  );
  download.addEventListener('click', () => {
    const { beats: _beats, ...report } = night; // the beat list is for the viewer; the file stays small
    void _beats;
    const url = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }));
    const a = el('a', { href: url, download: `${rec.name || 'night'}.night.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  $('diagnosis').replaceChildren(
    el('span', { class: 'badge', style: `background:${colour}` }, BADGE[s.severity ?? 'null']),
    download,
  );

  // cards
  const ahiValue = el('span', { id: 'ahi-value' }, s.ahi === null ? '–' : s.ahi.toFixed(1));
  $('cards').replaceChildren(
    card('Estimated AHI', ahiValue, s.ahi === null ? s.ahi_note : 'events per hour', 'card-ahi'),
    card(
      'Severity',
      el('span', { class: 'sev', id: 'severity', style: `color:${colour}` }, s.severity ?? 'unknown'),
      'AASM bands on the AHI',
    ),
    card(
      'Sleep apnea',
      el('span', { id: 'has-apnea', class: s.has_apnea ? 'yes' : 'no' }, s.has_apnea ? 'Likely' : 'Unlikely'),
      res.prediction?.diagnosis ?? (s.has_apnea ? 'AHI ≥ 5' : 'AHI < 5'),
    ),
    card('Recording', hours(rec.recording_s), `${s.apnea_minutes} apnea minutes · ${night.episodes.length} episodes`),
    card(
      'Analysable',
      hours(rec.analysable_s),
      rec.recording_s > 0 ? `${Math.round((100 * rec.analysable_s) / rec.recording_s)} % of the night` : '',
    ),
    card(
      'Heart rate',
      el('span', {}, `${fixed(night.heart_rate.mean_bpm, 0)}`, el('small', {}, ' bpm')),
      `range ${fixed(night.heart_rate.min_bpm, 0)}–${fixed(night.heart_rate.max_bpm, 0)} · SDNN ${fixed(night.heart_rate.sdnn_ms, 0)} ms`,
    ),
    card(
      'Detector',
      el('span', { class: 'det' }, night.detector.name),
      `${night.detector.kind}${night.detector.trained_on ? ` · ${night.detector.trained_on}` : ''}`,
    ),
  );

  // charts
  const hover = $('hover-info');
  const onHover = (m: number | null) => {
    const mm = m === null ? undefined : night.minutes[m];
    if (!mm || m === null) {
      hover.innerHTML = '&nbsp;';
      return;
    }
    hover.textContent = [
      `Minute ${m + 1} (${clock.label(mm.t)})`,
      mm.excluded ? `excluded: ${mm.reason || 'poor signal'}` : `p(apnea) ${mm.p.toFixed(2)}${mm.label === 'A' ? ' · apnea' : ''}`,
      `quality ${mm.quality.toFixed(2)}${!mm.excluded && mm.reason ? ` (${mm.reason})` : ''}`,
      mm.hr !== null ? `${Math.round(mm.hr)} bpm` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  };
  const timelineHost = $('timeline');
  const hrHost = $('hr');
  timelineHost.replaceChildren();
  hrHost.replaceChildren();
  let ecg: EcgViewer | null = null;
  const onPick = (m: number) => {
    if (ecg) {
      ecg.goToMinute(m);
      $('ecg').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    }
  };
  const common = { night, clock, onPick, onHover };
  // Keyboard: on the timeline, ← → move the ECG viewer by one minute (and describe that minute).
  timelineHost.onkeydown = (e) => {
    if (!ecg || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
    e.preventDefault();
    const cur = Number($('ecg').dataset.minute ?? 0);
    const m = Math.min(night.minutes.length - 1, Math.max(0, cur + (e.key === 'ArrowRight' ? 1 : -1)));
    ecg.goToMinute(m);
    onHover(m);
  };
  const charts = [
    timelineChart(timelineHost, chartWidth(timelineHost), common),
    heartRateChart(hrHost, chartWidth(hrHost), common),
  ];

  // ECG
  const ecgHost = $('ecg');
  const trace = ecgFromResponse(res);
  if (trace) {
    ecg = new EcgViewer(
      ecgHost,
      trace,
      night,
      clock,
      (t0, t1) => charts.forEach((c) => c.setWindow(t0, t1)),
      chartWidth(ecgHost),
    );
  } else {
    const svg = waveformSvg(res.waveform ?? '');
    ecgHost.replaceChildren(
      el('p', { class: 'muted' }, 'The server sent no ECG for the viewer; these are the first 10 seconds.'),
      ...(svg ? [svg] : []),
    );
    $('ecg-sub').textContent = 'first 10 s';
  }

  // episodes
  const table = $('episodes');
  if (night.episodes.length === 0) {
    table.replaceChildren(el('caption', {}, 'No apnea episodes.'));
  } else {
    const head = el('thead', {}, el('tr', {}, ...['Start', 'Duration', 'Minutes', 'Mean p', ''].map((h) => el('th', { scope: 'col' }, h))));
    const body = el('tbody');
    for (const e of night.episodes) {
      const go = el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': `Show the ECG at ${clock.label(e.start_s)}` }, 'ECG');
      go.addEventListener('click', () => onPick(Math.floor(e.start_s / 60)));
      if (!ecg) go.disabled = true;
      body.append(
        el(
          'tr',
          {},
          el('td', {}, clock.label(e.start_s)),
          el('td', {}, duration(e.duration_s)),
          el('td', {}, String(e.minutes)),
          el('td', {}, e.mean_p.toFixed(2)),
          el('td', {}, go),
        ),
      );
    }
    table.replaceChildren(head, body);
  }

  // method
  const facts: [string, string][] = [
    ['AHI', s.ahi_note || s.ahi_method],
    ['Detector', `${night.detector.name} ${night.detector.version} (${night.detector.kind}), threshold ${night.detector.threshold}`],
    ['Beats', `${rec.n_beats.toLocaleString('en')} from ${rec.beat_source}; ${rec.n_corrected} intervals corrected`],
    ['HRV', `SDNN ${fixed(night.heart_rate.sdnn_ms, 0)} ms · RMSSD ${fixed(night.heart_rate.rmssd_ms, 0)} ms · LF/HF ${fixed(night.heart_rate.lf_hf, 2)}`],
    ['Excluded', night.exclusions.length ? night.exclusions.join('; ') : 'nothing'],
    [
      'Night probability',
      s.night_probability === null
        ? 'none: this detector has no calibrated p(AHI ≥ 5)'
        : `p(AHI ≥ 5) ${fixed(s.night_probability, 3)}, from the logistic calibrated with the model`,
    ],
    ['Analysis time', `${fixed(s.analysis_ms, 0)} ms`],
  ];
  $('method').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

  view = { charts, ecg };
  document.body.dataset.state = 'result';
  $('results').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

// Charts follow their containers' width (height changes of the page are ignored).
let resizeTimer = 0;
let lastWidth = document.body.clientWidth;
new ResizeObserver(() => {
  if (document.body.clientWidth === lastWidth) return;
  lastWidth = document.body.clientWidth;
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    if (!view) return;
    const [tl, hr] = view.charts;
    tl.resize(chartWidth($('timeline')));
    hr.resize(chartWidth($('hr')));
    view.ecg?.resize(chartWidth($('ecg')));
  }, 60);
}).observe(document.body);
