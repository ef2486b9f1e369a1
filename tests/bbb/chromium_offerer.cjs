// The offering side of tests/bbb/chromium_peer.cpp: Debian's headless Chromium (driven by
// playwright-core, no browser download) with a fake camera and microphone opens
// chromium_offerer.html from disk and makes the WebRTC offer a BigBlueButton client would.
// Speaks one JSON object a line: writes {"offer": sdp} first, then answers each command read
// from stdin ({"cmd": "answer", "sdp"} | "stop-sending" | "resume-sending" | "close" |
// "packets-sent") with {"reply": cmd, "ok": true, ...} or {"reply": cmd, "error": text};
// {"event": "connection", "state"} lines report the peer connection's state. EOF on stdin
// closes the browser and removes its profile.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');

const say = (object) => process.stdout.write(JSON.stringify(object) + '\n');

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tafel-bbb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.TAFEL_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
           // The recorder's candidates are on 127.0.0.1 in the test (no network needed), and
           // Chromium offers its own host addresses, not mDNS names the recorder cannot resolve.
           '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });
  const finish = async (status) => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(status);
  };
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => process.stderr.write(`chromium console: ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`chromium page error: ${e.message}\n`));
    // Nothing from the network: the page is a file beside this script.
    context.on('request', (r) => {
      if (!r.url().startsWith('file://')) process.stderr.write(`chromium: unexpected request ${r.url()}\n`);
    });
    await page.exposeFunction('tafelEvent', (event) => say(event));
    await page.goto('file://' + path.join(__dirname, 'chromium_offerer.html'));
    say({ offer: await page.evaluate(() => window.makeOffer()) });
    const calls = {
      'answer': (c) => page.evaluate((sdp) => window.applyAnswer(sdp), c.sdp),
      'stop-sending': () => page.evaluate(() => window.stopSending()),
      'resume-sending': () => page.evaluate(() => window.resumeSending()),
      'close': () => page.evaluate(() => window.closeConnection()),
      'packets-sent': () => page.evaluate(() => window.packetsSent()),
    };
    for await (const line of readline.createInterface({ input: process.stdin })) {
      const command = JSON.parse(line);
      const call = calls[command.cmd];
      try {
        if (!call) throw new Error(`unknown command ${command.cmd}`);
        const result = await call(command);
        say({ reply: command.cmd, ok: true, result: result === undefined ? null : result });
      } catch (e) {
        say({ reply: command.cmd, error: String(e && e.message || e) });
      }
    }
  } catch (e) {
    process.stderr.write(`chromium_offerer: ${e && e.stack || e}\n`);
    return finish(1);
  }
  return finish(0);
}

main();
