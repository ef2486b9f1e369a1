// Test setup shared by the browser tests: a data folder with one real published lesson
// (`tafel up` + `tafel simulate`: real RTP over loopback, rendered by the real worker), then
// `tafel serve` on that folder. Every wait is bounded.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const tafel = process.env.TAFEL_EXECUTABLE;
const work = process.env.TAFEL_BROWSER_WORK || os.tmpdir();

class Child {
  constructor(args, logName, env) {
    this.log = fs.createWriteStream(logName);
    this.lines = [];
    this.waiters = [];
    this.proc = spawn(tafel, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    let pending = '';
    const take = (chunk) => {
      this.log.write(chunk);
      pending += chunk.toString();
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => !w(line));
      }
    };
    this.proc.stdout.on('data', take);
    this.proc.stderr.on('data', take);
  }

  // Resolves with the first line containing `text`; rejects after `ms` or when the child exits.
  waitForLine(text, ms) {
    const seen = this.lines.find((l) => l.includes(text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line '${text}' within ${ms} ms`)), ms);
      this.exited.then((e) => { clearTimeout(timer); reject(new Error(`exited (${e.code}) before '${text}'`)); });
      this.waiters.push((line) => {
        if (!line.includes(text)) return false;
        clearTimeout(timer);
        resolve(line);
        return true;
      });
    });
  }

  async stop(ms = 30000) {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const timer = new Promise((_, reject) => setTimeout(() => reject(new Error('did not stop')), ms).unref());
    const result = await Promise.race([this.exited, timer]);
    this.log.end();
    return result;
  }
}

function portOf(line) {
  const all = [...line.matchAll(/:(\d+)/g)];
  return Number(all[all.length - 1][1]);
}

async function waitForPublished(port, id, ms) {
  const deadline = Date.now() + ms;
  let state = '';
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/recordings/${id}`);
      if (r.ok) state = (await r.json()).state;
    } catch (e) { /* not up yet */ }
    if (state === 'published' || state === 'failed') return state;
    await new Promise((r) => setTimeout(r, 250)); // polling interval of a bounded wait
  }
  return state;
}

// Records and processes a `seconds`-long simulated lesson; returns {data, id}.
async function recordLesson(name, seconds, chat) {
  const data = fs.mkdtempSync(path.join(work, `${name}-`));
  const up = new Child(['up', '--data-dir', data, '--player-port', '0', '--control-port', '0',
                        '--rtp-port-min', '46500', '--rtp-port-max', '46599'], path.join(data, 'up.log'));
  try {
    const playerPort = portOf(await up.waitForLine('recordings at', 60000));
    const controlPort = portOf(await up.waitForLine('recorder control API at', 10000));
    const sim = new Child(['simulate', '--control-url', `http://127.0.0.1:${controlPort}`, '--duration', `${seconds}s`,
                           '--slide-interval', '4s', '--chat', String(chat), '--work-dir', path.join(data, 'simulator')],
                          path.join(data, 'simulate.log'));
    const line = await sim.waitForLine('recorded as', 120000);
    const id = line.slice(line.lastIndexOf(' ') + 1).trim();
    await sim.stop(60000);
    const state = await waitForPublished(playerPort, id, 300000);
    if (state !== 'published') throw new Error(`recording ${id} ended as '${state}' (see ${data}/up.log)`);
    return { data, id };
  } finally {
    await up.stop(60000);
  }
}

// Starts `tafel serve` on `data`; returns {child, port, base}.
async function serve(data, env = {}) {
  const child = new Child(['serve', '--data-dir', data, '--player-port', '0'], path.join(data, 'serve.log'), env);
  const port = portOf(await child.waitForLine('recordings at', 30000));
  return { child, port, base: `http://127.0.0.1:${port}` };
}

module.exports = { Child, recordLesson, serve, work };
