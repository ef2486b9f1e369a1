// The growing audio stream in Debian's headless Chromium against the real `tafel serve`
// (issue 6, progressive publishing): a recording whose preview job is still encoding has
// only audio/index.m3u8 (an HLS EVENT playlist of fMP4 AAC segments) beside its chapters and
// chat. The test makes that stream itself with the ffmpeg CLI (an independent muxer: the
// same libavformat `hls` muxer the product's preview uses, driven from outside) and reveals
// its segments one by one the way the muxer does (segment file renamed into place, then the
// playlist rewritten and renamed; #EXT-X-ENDLIST last). It checks that the page plays it
// through its MSE loader, that "ready up to" grows, that the end says complete with the
// stream's duration, seeking, the window the loader keeps on a long stream, the hand-over
// to the browser's own HLS where there is no MediaSource (iPhones), and the switch to the
// video when the render replaces the folder. Screenshots at 390x844 (a phone) go to <build>/tests/browser/artifacts/.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { serve, work } = require('./lesson.cjs');

const artifacts = path.join(work, 'artifacts');
const PHONE = { width: 390, height: 844 };
const SEGMENT_S = 3; // short segments keep the test short; the product's are ~6 s

let data, server, context, profile;
const foreign = [];
const problems = [];

// ---- Fixtures ----

function register(id, title, state, parts) {
  execFileSync(process.env.TAFEL_CATALOG_ROW, [data, id, title, state, parts]);
}

// A complete HLS stream of `seconds` of stereo AAC-LC at 48 kHz made by ffmpeg's hls muxer:
// {dir, header (the playlist's lines before the first segment), segments: [{name, extinf}],
// total}.
function makeStream(name, seconds) {
  const dir = fs.mkdtempSync(path.join(data, `${name}-`));
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-ac', '2', '-c:a', 'aac', '-b:a', '128k', '-f', 'hls', '-hls_time', String(SEGMENT_S),
    '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'event', '-hls_list_size', '0',
    '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', 'seg-%05d.m4s', 'index.m3u8'], { cwd: dir });
  const lines = fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith('#EXTINF:'));
  const segments = [];
  for (let i = first; i < lines.length; ++i) {
    if (lines[i].startsWith('#EXTINF:')) segments.push({ extinf: lines[i], name: lines[i + 1].trim() });
  }
  const total = segments.reduce((sum, s) => sum + parseFloat(s.extinf.slice(8)), 0);
  return { dir, header: lines.slice(0, first), segments, total };
}

// Like the muxer and the publisher: write `name.tmp`, then rename.
function atomicWrite(file, bytes) {
  fs.writeFileSync(file + '.tmp', bytes);
  fs.renameSync(file + '.tmp', file);
}

// The first `count` segments are published (their files first, then the playlist naming
// them); `ended` appends #EXT-X-ENDLIST.
function reveal(stream, audioDir, count, ended) {
  fs.mkdirSync(audioDir, { recursive: true });
  for (const file of ['init.mp4', ...stream.segments.slice(0, count).map((s) => s.name)]) {
    if (!fs.existsSync(path.join(audioDir, file))) atomicWrite(path.join(audioDir, file), fs.readFileSync(path.join(stream.dir, file)));
  }
  const body = stream.segments.slice(0, count).map((s) => `${s.extinf}\n${s.name}`).join('\n');
  atomicWrite(path.join(audioDir, 'index.m3u8'), `${stream.header.join('\n')}\n${body}\n${ended ? '#EXT-X-ENDLIST\n' : ''}`);
}

function secondsOf(stream, count) {
  return stream.segments.slice(0, count).reduce((sum, s) => sum + parseFloat(s.extinf.slice(8)), 0);
}

const CHAPTERS = 'WEBVTT\n\n1\n00:00:00.000 --> 00:00:12.000\nBegrüßung\n\n2\n00:00:12.000 --> 00:00:30.000\nVersuch: Pendel\n';
const CHAT = [{ t_ms: 2000, name: 'Frau Weber', text: 'Hört ihr mich?' }, { t_ms: 14000, name: 'Jonas', text: 'Ja!' }];

// The preview's first publication: manifest (parts ["audio"], "audio_stream"), chapters,
// chat and the stream's first segments; a catalog row "processing" with its audio ready.
function publishPreview(id, title, stream, count) {
  const dir = path.join(data, 'published', id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'chapters.vtt'), CHAPTERS);
  fs.writeFileSync(path.join(dir, 'chat.json'), JSON.stringify(CHAT));
  reveal(stream, path.join(dir, 'audio'), count, false);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
    id, title, context: 'klasse-7b', parts: ['audio'], audio_stream: 'audio/index.m3u8',
    files: [{ name: 'chapters.vtt', mime: 'text/vtt' }, { name: 'chat.json', mime: 'application/json' }],
  }));
  register(id, title, 'processing', 'audio');
  return dir;
}

// The render's folder (video + audio files, a manifest without the stream) replaces the
// preview's, as storage publishes it: made aside, renamed into place; the catalog follows.
function publishRender(id, title, dir) {
  const rendered = fs.mkdtempSync(path.join(data, 'render-'));
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25:duration=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=30', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', '-shortest', path.join(rendered, 'lesson.mp4')]);
  for (const f of ['chapters.vtt', 'chat.json']) fs.copyFileSync(path.join(dir, f), path.join(rendered, f));
  fs.writeFileSync(path.join(rendered, 'manifest.json'), JSON.stringify({
    id, title, parts: ['audio', 'video'],
    files: [{ name: 'lesson.mp4', mime: 'video/mp4' }, { name: 'chapters.vtt' }, { name: 'chat.json' }],
  }));
  const old = path.join(data, 'tmp-old-' + id);
  fs.renameSync(dir, old);
  fs.renameSync(rendered, dir);
  fs.rmSync(old, { recursive: true, force: true });
  register(id, title, 'published', 'audio,video');
}

// ---- The browser ----

// `iphone`: this page has no MediaSource, as iPhone Safari has none, so that the page leaves
// the stream to the browser's own HLS; otherwise the page's MSE loader plays it.
async function newPage(iphone) {
  const page = await context.newPage();
  await page.setViewportSize(PHONE);
  if (iphone) await page.addInitScript(() => { delete window.MediaSource; });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  // What the page hears from the loader, for the assertions.
  await page.addInitScript(() => {
    window.streamEvents = [];
    document.addEventListener('DOMContentLoaded', () => {
      const audio = document.getElementById('lesson');
      if (!audio) return;
      ['tafel-playlist', 'tafel-stream-error', 'tafel-stream-gone', 'error'].forEach((type) =>
        audio.addEventListener(type, (e) => window.streamEvents.push({ type, detail: e.detail || null })));
    });
  });
  return page;
}

const audioState = (page) => page.evaluate(() => {
  const a = document.getElementById('lesson');
  const ranges = [];
  for (let i = 0; i < a.buffered.length; ++i) ranges.push([a.buffered.start(i), a.buffered.end(i)]);
  return { t: a.currentTime, duration: a.duration, paused: a.paused, error: a.error && a.error.message,
           src: a.currentSrc, ranges, events: window.streamEvents };
});

function clock(seconds) {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

async function waitForText(page, selector, text, ms = 20000) {
  await page.waitForFunction(([sel, want]) => {
    const el = document.querySelector(sel);
    return el && el.textContent.includes(want);
  }, [selector, text], { timeout: ms });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  data = fs.mkdtempSync(path.join(work, 'stream-'));
  server = await serve(data); // creates the catalog the fixture rows go into
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tafel-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.TAFEL_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--no-first-run', '--mute-audio', '--autoplay-policy=no-user-gesture-required'],
  });
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!(u.protocol === 'data:' || u.protocol === 'blob:' || (u.hostname === '127.0.0.1' && Number(u.port) === server.port)))
      foreign.push(r.url());
  });
});

after(async () => {
  if (context) await context.close();
  if (server) await server.child.stop();
  if (data && !process.env.TAFEL_KEEP) fs.rmSync(data, { recursive: true, force: true });
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test('the growing stream plays through the MSE loader, its ready part grows, then it is complete', async () => {
  const id = 'streamgrow-1700000500000';
  const stream = makeStream('grow', 30);
  const dir = publishPreview(id, 'Physik 8c', stream, 2);
  const page = await newPage(false);
  await page.goto(`${server.base}/r/${id}`);
  assert.equal(await page.getAttribute('main.stage', 'data-parts'), 'audio');
  await waitForText(page, '#part-audio', `Ton bereit bis ${clock(secondsOf(stream, 2))} – wird fortgesetzt`);
  assert.match(await page.locator('#part-video').innerText(), /Video folgt/);
  await page.waitForFunction(() => document.querySelectorAll('#chat li:not(.status)').length === 2);
  await page.waitForFunction(() => document.querySelectorAll('#chapters li').length === 2);
  await page.evaluate(() => document.getElementById('lesson').play());
  assert.match((await audioState(page)).src, /^blob:/, 'the MSE loader plays it');

  // The stream grows a segment at a time; the page follows each step.
  for (let count = 3; count <= 6; ++count) {
    reveal(stream, path.join(dir, 'audio'), count, false);
    await waitForText(page, '#part-audio', `Ton bereit bis ${clock(secondsOf(stream, count))} – wird fortgesetzt`);
  }
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 4, null, { timeout: 20000 });
  await shot(page, 'stream-growing');

  // The rest, then #EXT-X-ENDLIST: complete, and the duration is the stream's.
  reveal(stream, path.join(dir, 'audio'), stream.segments.length, true);
  await waitForText(page, '#part-audio', `Ton vollständig (${clock(stream.total)})`);
  await page.waitForFunction((total) => Math.abs(document.getElementById('lesson').duration - total) < 0.1,
                             stream.total, { timeout: 20000 });
  // Seeking into the stream (a chapter: 0:12) plays on from there.
  await page.locator('#chapters li').nth(1).locator('a').click();
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 13.5, null, { timeout: 20000 });
  const state = await audioState(page);
  assert.equal(state.error, null);
  assert.equal(state.paused, false);
  assert.ok(Math.abs(state.duration - stream.total) < 0.1, `duration ${state.duration} vs ${stream.total}`);
  assert.deepEqual(state.events.filter((e) => e.type !== 'tafel-playlist'), []);
  await shot(page, 'stream-complete');
  await page.close();
  assert.deepEqual(foreign, []);
  assert.deepEqual(problems, []);
});

// The iPhone's way, as far as Chromium can show it: no MediaSource, so the page hands the
// playlist to the browser's own HLS. Chromium's plays a complete (ENDLIST) playlist; a growing
// one it treats as live and does not play from the start (hls-audio.js), which is why every
// browser with MediaSource gets the loader.
test('without MediaSource the page hands the stream to the browser\'s own HLS', async (t) => {
  const id = 'streamnative-1700000800000';
  const stream = makeStream('native', 30);
  const dir = publishPreview(id, 'Musik 5b', stream, stream.segments.length);
  reveal(stream, path.join(dir, 'audio'), stream.segments.length, true);
  const page = await newPage(true);
  if (await page.evaluate(() => document.createElement('audio').canPlayType('application/vnd.apple.mpegurl')) === '') {
    t.skip('this Chromium does not play HLS itself'); // not a pass: nothing was tested
    await page.close();
    return;
  }
  await page.goto(`${server.base}/r/${id}`);
  await waitForText(page, '#part-audio', `Ton vollständig (${clock(stream.total)})`);
  await page.evaluate(() => document.getElementById('lesson').play());
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 3, null, { timeout: 20000 });
  const state = await audioState(page);
  assert.match(state.src, /\/audio\/index\.m3u8$/);
  assert.equal(state.error, null);
  assert.ok(Math.abs(state.duration - stream.total) < 0.1, `duration ${state.duration} vs ${stream.total}`);
  await page.close();
  assert.deepEqual(problems, []);
});

test('on a long stream the MSE loader keeps a window around the playhead, seeking far and back', async () => {
  const id = 'streamlong-1700000600000';
  const stream = makeStream('long', 600);
  const dir = publishPreview(id, 'Lange Stunde', stream, 1);
  reveal(stream, path.join(dir, 'audio'), stream.segments.length, true);
  const page = await newPage(false);
  await page.goto(`${server.base}/r/${id}`);
  await waitForText(page, '#part-audio', 'Ton vollständig (10:00)');
  await page.evaluate(() => document.getElementById('lesson').play());
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 1, null, { timeout: 20000 });
  await page.evaluate(() => { document.getElementById('lesson').currentTime = 450; });
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 451.5, null, { timeout: 20000 });
  // Fetched ahead up to 60 s, nothing of the first minutes kept once the playhead is far.
  await page.waitForFunction(() => {
    const b = document.getElementById('lesson').buffered;
    let far = 0;
    for (let i = 0; i < b.length; ++i) far = Math.max(far, b.end(i));
    return far > 500;
  }, null, { timeout: 20000 });
  const buffered = async () => {
    const state = await audioState(page);
    assert.equal(state.error, null);
    assert.ok(Math.abs(state.duration - stream.total) < 0.1);
    return { seconds: state.ranges.reduce((sum, r) => sum + r[1] - r[0], 0), ranges: JSON.stringify(state.ranges) };
  };
  const far = await buffered();
  assert.ok(far.seconds <= 2 * 60 + 3 * SEGMENT_S, `buffered ${far.seconds} s: ${far.ranges}`);
  // Back to 1:40: it plays, and what was buffered around 7:30 is let go.
  await page.evaluate(() => { document.getElementById('lesson').currentTime = 100; });
  await page.waitForFunction(() => {
    const a = document.getElementById('lesson');
    let end = 0;
    for (let i = 0; i < a.buffered.length; ++i) end = Math.max(end, a.buffered.end(i));
    return a.currentTime > 101.5 && a.currentTime < 130 && end < 300;
  }, null, { timeout: 20000 });
  const back = await buffered();
  assert.ok(back.seconds <= 2 * 60 + 3 * SEGMENT_S, `buffered ${back.seconds} s: ${back.ranges}`);
  await page.close();
  assert.deepEqual(problems, []);
});

test('a retried preview replaces a vanished stream folder: the page picks the stream up again', async () => {
  const id = 'streamretry-1700000900000';
  const stream = makeStream('retry', 30);
  const dir = publishPreview(id, 'Kunst 7c', stream, 3);
  const page = await newPage(false);
  await page.goto(`${server.base}/r/${id}`);
  await waitForText(page, '#part-audio', `Ton bereit bis ${clock(secondsOf(stream, 3))}`);
  await page.evaluate(() => document.getElementById('lesson').play());
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 1, null, { timeout: 20000 });

  // The crashed preview's folder is taken back; the page's next look finds the stream gone.
  const aside = path.join(data, 'crashed-' + id);
  fs.renameSync(dir, aside);
  await page.waitForFunction(() => window.streamEvents.some((e) => e.type === 'tafel-stream-gone'), null,
                             { timeout: 20000 });
  // The retry publishes its own folder (the same lesson, further along); the manifest still
  // announces the stream, so the page looks again and follows it.
  const retried = fs.mkdtempSync(path.join(data, 'retried-'));
  for (const f of ['chapters.vtt', 'chat.json', 'manifest.json']) fs.copyFileSync(path.join(aside, f), path.join(retried, f));
  reveal(stream, path.join(retried, 'audio'), 6, false);
  fs.renameSync(retried, dir);
  fs.rmSync(aside, { recursive: true, force: true });
  await waitForText(page, '#part-audio', `Ton bereit bis ${clock(secondsOf(stream, 6))} – wird fortgesetzt`, 40000);
  await page.waitForFunction((t) => document.getElementById('lesson').currentTime > t, secondsOf(stream, 3) + 1,
                             { timeout: 30000 });
  assert.equal((await audioState(page)).error, null);
  await page.close();
  // The only failed requests are the looks that found the folder gone (playlist, manifest).
  const gone = [`${server.base}/r/${id}/media/audio/index.m3u8`, `${server.base}/r/${id}/media/manifest.json`];
  const expected = (p) => p.includes('status of 404') && gone.some((u) => p.endsWith(`(${u})`));
  assert.deepEqual(problems.filter((p) => !expected(p)), []);
  problems.length = 0;
});

test('when the render replaces the folder the page offers the video and switches at the listening position', async () => {
  const id = 'streamvideo-1700000700000';
  const stream = makeStream('video', 30);
  const dir = publishPreview(id, 'Englisch 6a', stream, stream.segments.length);
  const page = await newPage(false);
  await page.goto(`${server.base}/r/${id}`);
  await waitForText(page, '#part-audio', 'Ton bereit bis');
  await page.evaluate(() => document.getElementById('lesson').play());
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 3, null, { timeout: 20000 });

  publishRender(id, 'Englisch 6a', dir);

  // While the audio plays, the page offers the video (it checks every 10 s) and keeps playing.
  await page.waitForSelector('#switch-video', { timeout: 30000 });
  assert.match(await page.locator('#part-video').innerText(), /Video fertig/);
  assert.match(await page.locator('#video-processing').innerText(), /Das Video ist fertig/);
  assert.equal(await page.evaluate(() => document.getElementById('lesson').paused), false);
  await shot(page, 'stream-video-ready');
  const position = await page.evaluate(() => document.getElementById('lesson').currentTime);
  await page.locator('#switch-video').click();
  await page.waitForSelector('video#lesson', { timeout: 20000 });
  await page.waitForFunction((p) => {
    const v = document.getElementById('lesson');
    return v.readyState >= 1 && v.currentTime >= p - 1 && v.currentTime < p + 3;
  }, position, { timeout: 20000 });
  // It was playing: it plays on.
  await page.waitForFunction(() => !document.getElementById('lesson').paused, null, { timeout: 10000 });
  await page.close();
  assert.deepEqual(foreign, []);
  // The one failed request is the signal itself: the loader's next look at the playlist
  // found it gone (404) once the render's folder had replaced the preview's.
  const gone = `${server.base}/r/${id}/media/audio/index.m3u8`;
  assert.deepEqual(problems.filter((p) => !(p.includes('status of 404') && p.endsWith(`(${gone})`))), []);
  problems.length = 0;
});

test('a paused listener is switched to the video by itself, at the same position', async () => {
  const id = 'streampaused-1700001000000';
  const stream = makeStream('paused', 30);
  const dir = publishPreview(id, 'Geschichte 10a', stream, stream.segments.length);
  reveal(stream, path.join(dir, 'audio'), stream.segments.length, true);
  const page = await newPage(false);
  await page.goto(`${server.base}/r/${id}`);
  await waitForText(page, '#part-audio', 'Ton vollständig');
  await page.evaluate(() => document.getElementById('lesson').play());
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 2, null, { timeout: 20000 });
  await page.evaluate(() => document.getElementById('lesson').pause());
  const position = await page.evaluate(() => document.getElementById('lesson').currentTime);
  publishRender(id, 'Geschichte 10a', dir);
  // No click: the page looks at the manifest within 10 s and switches.
  await page.waitForSelector('video#lesson', { timeout: 30000 });
  await page.waitForFunction((p) => {
    const v = document.getElementById('lesson');
    return v.readyState >= 1 && Math.abs(v.currentTime - Math.floor(p)) < 0.5;
  }, position, { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.getElementById('lesson').paused), true);
  assert.equal(new URL(page.url()).searchParams.get('t'), String(Math.floor(position)));
  await page.close();
  assert.deepEqual(foreign, []);
  assert.deepEqual(problems, []);
});

test('a segment request that fails once (a phone between two cells) is tried again and playback goes on', async () => {
  const id = 'streamflaky-1700001100000';
  const stream = makeStream('flaky', 30);
  const dir = publishPreview(id, 'Sport 8a', stream, stream.segments.length);
  reveal(stream, path.join(dir, 'audio'), stream.segments.length, true);
  const page = await newPage(false);
  let failed = 0;
  await page.route('**/audio/seg-00002.m4s', (route) => {
    if (failed++ === 0) return route.abort('internetdisconnected');
    return route.continue();
  });
  await page.goto(`${server.base}/r/${id}`);
  await waitForText(page, '#part-audio', 'Ton vollständig');
  await page.evaluate(() => document.getElementById('lesson').play());
  // Segment 2 holds 0:06-0:09: playing past it means it came on the second try.
  await page.waitForFunction(() => document.getElementById('lesson').currentTime > 9.5, null, { timeout: 30000 });
  assert.ok(failed >= 2, `segment 2 was asked for ${failed} time(s)`);
  const state = await audioState(page);
  assert.equal(state.error, null);
  assert.deepEqual(state.events.filter((e) => e.type !== 'tafel-playlist'), []);
  assert.match(await page.locator('#part-audio').innerText(), /Ton vollständig/);
  await page.close();
  const segment = `${server.base}/r/${id}/media/audio/seg-00002.m4s`;
  assert.deepEqual(problems.filter((p) => !p.endsWith(`(${segment})`)), []);
  problems.length = 0;
});
