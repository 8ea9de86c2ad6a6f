// The Somna REST API as the page uses it: response types (docs/api.md, docs/report-schema.md),
// and one upload through XMLHttpRequest so the page can show upload progress. Errors come back as
// ApiError carrying the server's {code, message} and the HTTP status, shown to the user as they are.

export interface Minute {
  t: number;
  p: number;
  label: 'A' | 'N' | 'X';
  quality: number;
  reason: string;
  excluded: boolean;
  hr: number | null;
}

export interface Episode {
  start_s: number;
  duration_s: number;
  minutes: number;
  mean_p: number;
}

export interface NightReport {
  schema: string;
  record: {
    name: string;
    source_path: string;
    start: string | null;
    recording_s: number;
    analysable_s: number;
    fs: number;
    channel: string;
    beat_source: string;
    n_beats: number;
    n_corrected: number;
  };
  detector: { name: string; kind: string; trained_on: string; version: string; threshold: number };
  summary: {
    ahi: number | null;
    ahi_note: string;
    ahi_method: string;
    severity: 'normal' | 'mild' | 'moderate' | 'severe' | null;
    has_apnea: boolean;
    apnea_minutes: number;
    /** p(AHI >= 5), only when the model ships a calibrated night logistic; else null. */
    night_probability: number | null;
    night_logit: number | null;
    analysis_ms: number;
  };
  heart_rate: {
    mean_bpm: number;
    min_bpm: number;
    max_bpm: number;
    sdnn_ms: number;
    rmssd_ms: number;
    lf_hf: number;
  };
  minutes: Minute[];
  episodes: Episode[];
  events?: { start_s: number; end_s: number; score: number }[];
  exclusions: string[];
  beats?: number[];
}

/** The ECG the viewer scrolls through: sample i (mV, NaN in gaps) at start_s + i / fs seconds. */
export interface EcgTrace {
  fs: number;
  start_s: number;
  samples: Float32Array;
  beats: number[]; // R times in seconds from the recording start
  unit: string;
}

export interface PredictResponse {
  success: true;
  prediction: {
    has_apnea: boolean;
    probability: number | null;
    raw_logit: number | null;
    risk_level: string;
    risk_color: string;
    diagnosis: string;
  };
  demographics: {
    record_name: string;
    sampling_frequency: number;
    duration: number;
    number_of_signals: number;
  };
  waveform: string;
  timestamp: string;
  night: NightReport;
  ecg?: unknown;
  request_id?: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    /** The server's error.type ("bad_request", …), else its error.code, else a client-side name. */
    readonly code: string,
    readonly status: number,
    readonly requestId = '',
    readonly retryAfterS = 0,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface UploadCallbacks {
  onUploadProgress?: (sent: number, total: number) => void;
  onUploaded?: () => void;
  onDownloadProgress?: (received: number, total: number) => void;
}

export interface PredictRequest {
  files: File[];
  fs?: number;
  token?: string;
}

/** POST /predict with the files as multipart `files`; resolves with the parsed response. */
export function predict(req: PredictRequest, cb: UploadCallbacks = {}): {
  promise: Promise<PredictResponse>;
  abort: () => void;
} {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<PredictResponse>((resolve, reject) => {
    const form = new FormData();
    for (const f of req.files) form.append('files', f, f.name);
    if (req.fs !== undefined) form.append('fs', String(req.fs));
    // Ask for the night's ECG and the beat times for the viewer (docs/api.md, `ecg`).
    form.append('ecg', '1');

    xhr.open('POST', 'predict');
    xhr.responseType = 'text';
    if (req.token) xhr.setRequestHeader('Authorization', `Bearer ${req.token}`);
    xhr.upload.onprogress = (e) => cb.onUploadProgress?.(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.upload.onload = () => cb.onUploaded?.();
    xhr.onprogress = (e) => cb.onDownloadProgress?.(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onerror = () =>
      reject(new ApiError('The server could not be reached (network error).', 'network', 0));
    xhr.onabort = () => reject(new ApiError('The upload was cancelled.', 'aborted', 0));
    xhr.ontimeout = () => reject(new ApiError('The server took too long to answer.', 'timeout', 0));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        const text = xhr.responseText.trim().slice(0, 300);
        reject(
          new ApiError(
            text ? `Unexpected answer from the server: ${text}` : 'Empty answer from the server.',
            `http_${xhr.status}`,
            xhr.status,
          ),
        );
        return;
      }
      const b = body as {
        success?: boolean;
        error?: { code?: unknown; type?: unknown; message?: unknown; request_id?: unknown };
      };
      if (xhr.status >= 200 && xhr.status < 300 && b.success === true) {
        resolve(body as PredictResponse);
        return;
      }
      const message =
        typeof b.error?.message === 'string' && b.error.message
          ? b.error.message
          : `The server answered HTTP ${xhr.status}.`;
      const code =
        typeof b.error?.type === 'string'
          ? b.error.type
          : b.error?.code !== undefined
            ? String(b.error.code)
            : `http_${xhr.status}`;
      const requestId =
        typeof b.error?.request_id === 'string' ? b.error.request_id : (xhr.getResponseHeader('X-Request-Id') ?? '');
      const retry = Number(xhr.getResponseHeader('Retry-After') ?? 0) || 0;
      reject(new ApiError(message, code, xhr.status, requestId, retry));
    };
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * The ECG for the viewer from a /predict response made with `ecg=1`, or null when the server sent
 * none: `ecg: {fs, start_s, unit, samples: (number | null)[]}` (null in gaps), beats in
 * `night.beats` (docs/api.md).
 */
export function ecgFromResponse(r: PredictResponse): EcgTrace | null {
  const e = r.ecg as { fs?: unknown; start_s?: unknown; unit?: unknown; samples?: unknown } | null | undefined;
  if (!e || typeof e !== 'object' || !Array.isArray(e.samples) || e.samples.length === 0) return null;
  const fs = Number(e.fs);
  if (!(fs > 0)) return null;
  const src = e.samples as (number | null)[];
  const samples = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    samples[i] = typeof v === 'number' ? v : NaN;
  }
  return {
    fs,
    start_s: Number(e.start_s) || 0,
    samples,
    beats: Array.isArray(r.night.beats) ? r.night.beats : [],
    unit: typeof e.unit === 'string' ? e.unit : 'mV',
  };
}

/** GET /health (no token needed); null when it fails. */
export async function health(): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch('health', { cache: 'no-store' });
    if (!res.ok) return null;
    return (await res.json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}
