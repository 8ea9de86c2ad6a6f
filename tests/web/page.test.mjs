// Browser test of the web page against the real server. Starts `somna serve` on a free loopback
// port, drives Debian's Chromium headless with playwright-core (no browser download) and checks:
// the sample night (.hea + .dat through the file input, upload throttled so the progress bar is
// seen) gives a timeline whose AHI/severity/episodes match the /predict JSON; clicking a minute
// on the timeline moves the ECG viewer there; a CSV waits for its sampling rate; the server's
// errors (415, 400, 422) are shown as it wrote them; a 390x844 phone viewport does not overflow;
// a server started with --token refuses the page's upload without the token and accepts it with
// it; nothing is fetched from another origin; no script errors. Screenshots (desktop, phone,
// error) and the server logs go to $SOMNA_TEST_OUT/web/.
//
// Run by CTest as Browser.page (env SOMNA_BINARY, SOMNA_SOURCE_DIR, SOMNA_WEB_DIST, SOMNA_TEST_OUT);
// by hand: SOMNA_BINARY=build/somna node tests/web/page.test.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const t0 = Date.now();
const here = path.dirname(fileURLToPath(import.meta.url));
const src = process.env.SOMNA_SOURCE_DIR || path.resolve(here, '../..');
const binary = process.env.SOMNA_BINARY || path.join(src, 'build/somna');
const webDist = process.env.SOMNA_WEB_DIST || path.join(src, 'web/dist');
const outDir = path.join(process.env.SOMNA_TEST_OUT || path.join(src, 'build/test-artifacts'), 'web');
const chromiumPath = process.env.SOMNA_CHROMIUM || '/usr/bin/chromium';
const sample = path.join(src, 'data/samples/sample-night');
const PREDICT_TIMEOUT_MS = 120_000; // see docs/web.md, Known limits: the answer's compression is slow
const TOKEN = 'page-test-secret';

const children = [];
let context = null;
let profile = null;
let failures = 0;

function log(...a) {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
}
function check(cond, what) {
  if (!cond) failures++;
  log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
}
async function cleanup() {
  try {
    await context?.close();
  } catch {
    /* already gone */
  }
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  if (profile) fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
}
async function fatal(msg) {
  console.error(`page.test: FAILED: ${msg}`);
  await cleanup();
  process.exit(1);
}
process.on('uncaughtException', (e) => void fatal(e.stack || String(e)));
process.on('unhandledRejection', (e) => void fatal(e?.stack || String(e)));
setTimeout(() => void fatal('timed out after 280 s'), 280_000).unref(); // CTest's limit is 300 s

// ---- preconditions: fail clearly, never skip (`make build` builds all of these) ----
if (!fs.existsSync(binary)) await fatal(`somna binary not found at ${binary} (set SOMNA_BINARY; run make build)`);
if (!fs.existsSync(path.join(webDist, 'index.html')))
  await fatal(`built web page not found: ${webDist}/index.html (run make build, or scripts/build-web)`);
if (!fs.existsSync(chromiumPath)) await fatal(`Chromium not found at ${chromiumPath} (scripts/setup installs it)`);
for (const ext of ['.hea', '.dat']) if (!fs.existsSync(sample + ext)) await fatal(`sample missing: ${sample}${ext}`);
let chromium;
try {
  chromium = createRequire(path.join(src, 'web/package.json'))('playwright-core').chromium;
} catch (e) {
  await fatal(`playwright-core not installed in web/node_modules (run scripts/setup or make build): ${e.message}`);
}
fs.mkdirSync(outDir, { recursive: true });

// ---- the server ----
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer(name, extra = []) {
  const port = await freePort();
  const logFile = path.join(outDir, `${name}.log`);
  const logFd = fs.openSync(logFile, 'w');
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--web-root', webDist, ...extra];
  const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd], cwd: src });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      await fatal(`${binary} ${args.join(' ')} exited with ${child.exitCode}:\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) await fatal(`no /health from ${base} within 20 s; log: ${logFile}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  log(`server up: ${base} (somna ${args.join(' ')}), log ${logFile}`);
  return { base, logFile };
}

const server = await startServer('serve');

// ---- the browser ----
profile = fs.mkdtempSync(path.join(os.tmpdir(), 'somna-chromium-'));
context = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
  viewport: { width: 1366, height: 900 },
});

const foreign = [];
const pageErrors = [];
function watch(page, base) {
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // The browser logs every 4xx answer as "Failed to load resource"; those are the tests' own.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) pageErrors.push(m.text());
  });
}

/** Sets files on the picker (the page sends them at once) and returns the /predict answer. */
async function upload(page, files, trigger = null) {
  const respP = page.waitForResponse((r) => r.url().includes('/predict') && r.request().method() === 'POST', {
    timeout: PREDICT_TIMEOUT_MS,
  });
  const t = Date.now();
  if (trigger) await trigger();
  else await page.setInputFiles('#files', files);
  const resp = await respP;
  const json = await resp.json();
  return { status: resp.status(), json, ms: Date.now() - t };
}

async function openPage(page, base) {
  await page.goto(`${base}/`);
  await page.waitForSelector('#server-status.pill-ok', { timeout: 10_000 });
}

async function analyseSample(page) {
  const r = await upload(page, [`${sample}.hea`, `${sample}.dat`]);
  if (r.status !== 200 || r.json.success !== true)
    await fatal(`/predict on the sample answered ${r.status}: ${JSON.stringify(r.json).slice(0, 400)}`);
  await page.waitForSelector('body[data-state="result"] #timeline .u-over', { timeout: 20_000 });
  log(`sample analysed: /predict ${r.ms} ms`);
  return r.json;
}

/** Records the progress bar's states (value|text) from now on. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.__seen = [];
    const bar = document.querySelector('#progress-bar');
    const text = document.querySelector('#progress-text');
    new MutationObserver(() => window.__seen.push(`${bar.getAttribute('aria-valuenow')}|${text.textContent}`)).observe(
      document.querySelector('#progress'),
      { subtree: true, attributes: true, childList: true, characterData: true },
    );
  });
}

// 1. Desktop: the sample night, upload throttled to 2 MB/s (CDP) so that progress is visible.
const page = await context.newPage();
watch(page, server.base);
await openPage(page, server.base);
await recordProgress(page);
const cdp = await context.newCDPSession(page);
await cdp.send('Network.enable');
await cdp.send('Network.emulateNetworkConditions', {
  offline: false,
  latency: 10,
  downloadThroughput: -1,
  uploadThroughput: 2 * 1024 * 1024,
});
const res = await analyseSample(page);
await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
await cdp.detach();
const seen = await page.evaluate(() => window.__seen);
const pcts = [...new Set(seen.map((x) => Number(x.split('|')[0])).filter((v) => v > 0 && v < 100))];
check(pcts.length > 0, `upload progress shown between 0 and 100 % (${pcts.slice(0, 6).join(', ')} %)`);
check(seen.some((x) => x.includes('Analysing')), 'the analysing state is shown once the upload is done');

const night = res.night;
log(`/predict: AHI ${night.summary.ahi}, severity ${night.summary.severity}, ${night.minutes.length} minutes`);
const ahiText = (await page.textContent('#ahi-value')).trim();
const wantAhi = night.summary.ahi === null ? '–' : night.summary.ahi.toFixed(1);
check(ahiText === wantAhi, `AHI shown "${ahiText}" = /predict night.summary.ahi ${night.summary.ahi} to 1 decimal`);
const sevText = (await page.textContent('#severity')).trim();
check(sevText === (night.summary.severity ?? 'unknown'), `severity shown "${sevText}" = /predict "${night.summary.severity}"`);
const apneaText = (await page.textContent('#has-apnea')).trim();
check(apneaText === (night.summary.has_apnea ? 'Likely' : 'Unlikely'), `sleep apnea shown "${apneaText}" (has_apnea ${night.summary.has_apnea})`);
check(
  (await page.textContent('#record-name')).trim() === res.demographics.record_name,
  `record name shown = demographics.record_name "${res.demographics.record_name}"`,
);
const episodeRows = await page.locator('#episodes tbody tr').count();
check(episodeRows === night.episodes.length, `episode table: ${episodeRows} rows = ${night.episodes.length} episodes`);
{
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('text=Download JSON')]);
  const saved = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  check(
    saved.schema === 'somna.night-report/1' && saved.summary.ahi === night.summary.ahi && !('beats' in saved),
    `"Download JSON" saves the night report (${dl.suggestedFilename()})`,
  );
}
const bars = await page.locator('#timeline canvas').count();
check(bars === 1, 'the timeline is drawn (one canvas)');

// The ECG viewer, and a click on the timeline moving it.
const hasEcg = await page.evaluate(() => document.querySelector('#ecg')?.dataset.minute !== undefined);
check(hasEcg && Array.isArray(night.beats) && res.ecg?.samples?.length > 0, 'ECG viewer shows the ECG and beats the server sent (ecg=1)');
if (hasEcg) {
  check((await page.getAttribute('#ecg', 'data-minute')) === '0', 'ECG viewer starts at minute 1');
  const n = night.minutes.length;
  const end = Math.max(night.record.recording_s, n * 60, 60);
  // A minute in the middle of the longest apnea episode (else 60 % into the night).
  const longest = [...night.episodes].sort((a, b) => b.duration_s - a.duration_s)[0];
  const target = Math.max(
    1,
    Math.min(n - 1, longest ? Math.floor((longest.start_s + longest.duration_s / 2) / 60) : Math.floor(n * 0.6)),
  );
  const box = await page.locator('#timeline .u-over').boundingBox();
  const x = box.x + box.width * ((target * 60 + 30) / end);
  await page.mouse.move(x, box.y + box.height * 0.5);
  const hover = (await page.textContent('#hover-info')).trim();
  check(hover.startsWith(`Minute ${target + 1} `), `hovering minute ${target + 1} describes it: "${hover}"`);
  await page.mouse.click(x, box.y + box.height * 0.5);
  const moved = await page
    .waitForFunction((m) => document.querySelector('#ecg')?.dataset.minute === String(m), target, { timeout: 5_000 })
    .then(() => true)
    .catch(() => false);
  const startS = Number(await page.getAttribute('#ecg', 'data-start-s'));
  check(moved && startS === target * 60, `clicking minute ${target + 1} on the timeline moved the ECG viewer to ${startS} s`);
  const posText = (await page.textContent('.ecg-position')).trim();
  check(posText.startsWith(`Minute ${target + 1} `), `ECG viewer reads "${posText}"`);
  await page.click('button[aria-label="Forward one window"]');
  const after = Number(await page.getAttribute('#ecg', 'data-start-s'));
  check(after > startS, `"Forward one window" scrolls the ECG on (${startS} s -> ${after} s)`);
  await page.click('button[aria-label="Back one window"]');
  await page.mouse.move(0, 0);
}
const desktopShot = path.join(outDir, 'page-desktop.png');
await page.screenshot({ path: desktopShot, fullPage: true });

// 2. A CSV waits for its sampling rate, then goes with it: 30 s of flat line parses (so not the
// 400 of a CSV without fs) but has no heartbeats: 422, shown as the server wrote it.
const csv = Array.from({ length: 3000 }, () => '0.0').join('\n');
const csvFile = { name: 'flat.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) };
async function expectError(r, wantStatus, what) {
  await page.waitForSelector('#error:not([hidden]) #error-message', { timeout: 10_000 });
  const shown = (await page.textContent('#error-message')).trim();
  const detail = (await page.textContent('#error-code')).trim();
  const kind = String(r.json.error?.type ?? r.json.error?.code);
  check(r.status === wantStatus && r.json.success === false, `${what}: HTTP ${r.status} (want ${wantStatus})`);
  check(typeof r.json.error?.message === 'string' && shown === r.json.error.message, `${what}: page shows "${shown}"`);
  check(detail.includes(`HTTP ${r.status}`) && detail.includes(kind), `${what}: page shows "${detail}"`);
  check(await page.locator('#results').isHidden(), `${what}: the previous night is hidden`);
}
{
  let sent = 0;
  const count = (r) => {
    if (r.url().includes('/predict')) sent++;
  };
  page.on('request', count);
  await page.setInputFiles('#files', [csvFile]);
  await page.waitForSelector('#fs-field:not([hidden])');
  await page.waitForTimeout(300);
  check(sent === 0, 'a CSV is not sent before its sampling rate is given');
  page.off('request', count);
  await page.fill('#fs', '100');
  const r = await upload(page, null, () => page.click('#analyse'));
  await expectError(r, 422, 'CSV (fs 100 Hz) of a flat line');
}
// 3. Unknown file type, and a header without its signal file.
await expectError(
  await upload(page, [{ name: 'notes.xyz', mimeType: 'application/octet-stream', buffer: Buffer.from('not an ECG\n') }]),
  415,
  'unknown file type',
);
await expectError(await upload(page, [`${sample}.hea`]), 400, '.hea without its .dat');
const errorShot = path.join(outDir, 'page-error.png');
await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }));
await page.screenshot({ path: errorShot });

// 4. Phone-sized viewport.
const phone = await context.newPage();
await phone.setViewportSize({ width: 390, height: 844 });
watch(phone, server.base);
await openPage(phone, server.base);
await analyseSample(phone);
const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check(overflow <= 0, `phone 390x844: no horizontal overflow (${overflow} px)`);
const phoneAhi = (await phone.textContent('#ahi-value')).trim();
check(phoneAhi === wantAhi, `phone: AHI shown "${phoneAhi}"`);
const phoneShot = path.join(outDir, 'page-phone.png');
await phone.screenshot({ path: phoneShot, fullPage: true });
const phoneTopShot = path.join(outDir, 'page-phone-top.png');
await phone.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }));
await phone.screenshot({ path: phoneTopShot });

// 5. Bearer token: a server started with --token refuses the page's upload without the token
// (401, the token box opens) and takes it with the token from the field (kept in localStorage).
{
  const secured = await startServer('serve-token', ['--token', TOKEN]);
  const tp = await context.newPage();
  watch(tp, secured.base);
  // A browser cannot send a bearer token when it loads the page itself; if this server guards its
  // static files too, the test adds the token to those requests only (never to /predict).
  const pageStatus = (await fetch(`${secured.base}/`)).status;
  if (pageStatus !== 200) {
    log(`NOTE GET / without the token answers ${pageStatus}: a plain browser cannot load the page from this server`);
    await tp.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.pathname === '/predict' || u.pathname === '/health') return route.continue();
      return route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${TOKEN}` } });
    });
  }
  await openPage(tp, secured.base);
  await tp.evaluate(() => localStorage.removeItem('somna.token'));
  await tp.reload();
  await tp.waitForSelector('#server-status.pill-ok');
  const denied = await upload(tp, [csvFile], async () => {
    await tp.setInputFiles('#files', [csvFile]);
    await tp.fill('#fs', '100');
    await tp.click('#analyse');
  });
  await tp.waitForSelector('#error:not([hidden])');
  check(denied.status === 401, `token: without it /predict answers ${denied.status} (want 401)`);
  check(await tp.evaluate(() => document.querySelector('#token-box').open), 'token: the page opens the token box');
  await tp.fill('#token', TOKEN);
  check((await tp.evaluate(() => localStorage.getItem('somna.token'))) === TOKEN, 'token: kept in localStorage');
  const allowed = await upload(tp, null, () => tp.click('#analyse'));
  check(allowed.status === 422, `token: with it the same upload gets past auth (${allowed.status}, want the CSV's 422)`);
  await tp.evaluate(() => localStorage.removeItem('somna.token'));
}

check(foreign.length === 0, `no request left the server's origin (${foreign.slice(0, 3).join(', ') || 'none'})`);
check(pageErrors.length === 0, `no script errors in the page (${pageErrors.slice(0, 3).join(' | ') || 'none'})`);

await cleanup();
console.log(`screenshots:\n  ${desktopShot}\n  ${phoneShot}\n  ${phoneTopShot}\n  ${errorShot}`);
log(failures ? `${failures} check(s) FAILED` : 'all checks passed');
process.exit(failures ? 1 : 0);
