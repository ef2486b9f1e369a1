// The growing HLS audio stream (RFC 8216) of a recording whose audio-only part is published
// while its preview job still encodes (issue 6): audio/index.m3u8, an EVENT playlist
// (RFC 8216 4.3.3.5) of fragmented-MP4 AAC segments that grows until #EXT-X-ENDLIST.
// Where the browser has no MediaSource but plays HLS itself (iPhone Safari) it plays the
// playlist natively. Everywhere else this loader feeds the segments to Media Source
// Extensions (ManagedMediaSource where only that exists), keeping a window of the stream
// around the playhead: an audio SourceBuffer holds only a few MB, and a 45-minute lesson in
// the preview's 64 kbit/s AAC is 22 MB. MSE wins where both exist: Chromium's own HLS
// (desktop, 2025+) takes a growing EVENT playlist for a live stream — duration Infinity,
// buffered from the newest segment only, the playhead stuck at 0 (measured in Debian's
// Chromium 156).
// Either way it re-reads the playlist (RFC 8216 6.3.4) and tells the page (parts.js) what is
// ready through events on the <audio>: 'tafel-playlist' {available: seconds, ended},
// 'tafel-stream-gone' (404: the render has replaced the folder) and 'tafel-stream-error'
// {message}.
'use strict';
(function () {
  const audio = document.getElementById('lesson');
  const src = audio && audio.dataset.stream;
  if (!src) return;
  const playlistUrl = new URL(src, window.location.href);
  const TYPE = 'audio/mp4; codecs="mp4a.40.2"'; // AAC-LC, the stream's codecs string
  const AHEAD = 60;  // seconds fetched ahead of the playhead
  const BEHIND = 30; // seconds kept behind it; older data is removed from the buffer

  function emit(name, detail) { audio.dispatchEvent(new CustomEvent(name, { detail: detail })); }

  // Segment URIs are relative to the playlist (RFC 8216 4.1) and must stay on this server.
  function resolve(uri) {
    const u = new URL(uri, playlistUrl);
    if (u.origin !== playlistUrl.origin) throw new Error('the playlist names another server: ' + uri);
    return u.href;
  }

  // The tags this stream uses (RFC 8216 4.3): EXT-X-MAP (4.3.2.5), EXTINF (4.3.2.1),
  // EXT-X-TARGETDURATION (4.3.3.1), EXT-X-ENDLIST (4.3.3.4). Segment i starts at the sum
  // of the EXTINF durations before it.
  function parse(text) {
    const lines = text.split(/\r?\n/);
    if (lines[0].trim() !== '#EXTM3U') throw new Error('not an HLS playlist');
    const out = { init: null, segments: [], ended: false, target: 6, total: 0 };
    let duration = null;
    lines.forEach(function (raw) {
      const line = raw.trim();
      if (line === '') return;
      if (line.startsWith('#EXT-X-MAP:')) {
        const m = /URI="([^"]+)"/.exec(line);
        if (m) out.init = resolve(m[1]);
      } else if (line.startsWith('#EXT-X-TARGETDURATION:')) {
        out.target = Number(line.slice('#EXT-X-TARGETDURATION:'.length)) || out.target;
      } else if (line.startsWith('#EXTINF:')) {
        duration = parseFloat(line.slice('#EXTINF:'.length));
      } else if (line === '#EXT-X-ENDLIST') {
        out.ended = true;
      } else if (line[0] !== '#' && duration !== null && Number.isFinite(duration)) {
        out.segments.push({ url: resolve(line), start: out.total, duration: duration });
        out.total += duration;
        duration = null;
      }
    });
    // fMP4 segments cannot be played without their initialization section (RFC 8216 3.3).
    if (!out.init) throw new Error('the playlist names no EXT-X-MAP');
    return out;
  }

  let playlist = null;
  let gone = false;

  function streamGone() {
    if (gone) return;
    gone = true;
    emit('tafel-stream-gone', {});
  }
  // parts.js found the manifest still announcing the stream (a retried preview put a new
  // folder in place): look again.
  audio.addEventListener('tafel-stream-retry', function () {
    if (!gone) return;
    gone = false;
    setTimeout(poll, 1000 * (playlist ? playlist.target : 6));
  });

  function fetchOk(url, as) {
    return fetch(url, { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      if (r.status === 404) { streamGone(); throw new Error('gone: ' + url); }
      if (!r.ok) throw new Error('HTTP ' + r.status + ': ' + url);
      return as === 'text' ? r.text() : r.arrayBuffer();
    });
  }

  // RFC 8216 6.3.4: after a changed playlist wait one target duration before reloading it,
  // after an unchanged one half of it; stop at EXT-X-ENDLIST.
  let lastText = '';
  let failing = false; // the last look failed: the next good one is reported even if unchanged
  function poll() {
    fetchOk(playlistUrl.href, 'text').then(function (text) {
      const changed = text !== lastText;
      if (changed) {
        playlist = parse(text);
        lastText = text;
        pump();
      }
      if ((changed || failing) && !broken) emit('tafel-playlist', { available: playlist.total, ended: playlist.ended });
      failing = false;
      if (!playlist.ended) setTimeout(poll, 1000 * (changed ? playlist.target : playlist.target / 2));
    }).catch(function (e) {
      if (gone) return;
      failing = true;
      emit('tafel-stream-error', { message: String(e.message || e) });
      setTimeout(poll, 1000 * (playlist ? playlist.target : 6));
    });
  }

  // ---- Media Source Extensions, where the browser does not play HLS itself. ----
  const MS = window.MediaSource || window.ManagedMediaSource;
  const nativeHls = audio.canPlayType('application/vnd.apple.mpegurl') !== '';
  const mse = MS && MS.isTypeSupported(TYPE) && (window.MediaSource || !nativeHls);
  let source = null;
  let buffer = null;
  let initDone = false;
  let busy = false;
  let broken = false;

  function covered(t) {
    const b = buffer.buffered;
    for (let i = 0; i < b.length; ++i) if (b.start(i) <= t && t < b.end(i)) return true;
    return false;
  }

  // Runs one SourceBuffer operation and resolves when it has ended.
  function bufferDo(action) {
    return new Promise(function (resolve, reject) {
      function done() { off(); resolve(); }
      function failed() { off(); reject(Object.assign(new Error('the audio segment could not be decoded'), { decode: true })); }
      function off() { buffer.removeEventListener('updateend', done); buffer.removeEventListener('error', failed); }
      buffer.addEventListener('updateend', done);
      buffer.addEventListener('error', failed);
      try { action(); } catch (e) { off(); reject(e); }
    });
  }

  // The known length: the playlist's, or more when the buffered data reaches further (the
  // MSE duration may never be set below buffered media, W3C MSE "duration change").
  function setDuration() {
    if (source.readyState !== 'open' || buffer.updating) return;
    const b = buffer.buffered;
    const want = Math.max(playlist.total, b.length ? b.end(b.length - 1) : 0);
    if (!(Math.abs(source.duration - want) < 0.001)) source.duration = want;
  }

  // A playhead just before buffered data (the AAC encoder's priming, a rounding between two
  // segments) would wait for ever: step over gaps shorter than half a second.
  function skipSmallGap() {
    const b = buffer.buffered;
    const now = audio.currentTime;
    for (let i = 0; i < b.length; ++i) {
      if (b.start(i) > now && b.start(i) - now < 0.5 && !covered(now)) { audio.currentTime = b.start(i); return; }
    }
  }

  // The segments (by index) appended and not removed since. The buffered ranges alone cannot
  // say it: the media's times may sit a few milliseconds off the EXTINF sums (the AAC
  // encoder's priming), which matters for a last segment of one frame.
  const appended = new Set();
  const retries = new Map();

  async function feed() {
    if (!initDone) {
      const init = await fetchOk(playlist.init, 'bytes');
      await bufferDo(function () { buffer.appendBuffer(init); });
      initDone = true;
      return true;
    }
    const now = audio.currentTime;
    const b = buffer.buffered;
    if (b.length > 0 && b.start(0) < now - BEHIND - 10) {
      const until = now - BEHIND;
      await bufferDo(function () { buffer.remove(0, until); });
      playlist.segments.forEach(function (s, i) { if (s.start + s.duration <= until) appended.delete(i); });
      return true;
    }
    // Data far ahead of the playhead (left there by a seek back) goes too.
    if (b.length > 0 && b.end(b.length - 1) > now + AHEAD + 30) {
      const from = now + AHEAD;
      await bufferDo(function () { buffer.remove(from, Infinity); });
      playlist.segments.forEach(function (s, i) { if (s.start + s.duration > from) appended.delete(i); });
      return true;
    }
    const i = playlist.segments.findIndex(function (s, k) {
      return s.start + s.duration > now && s.start < now + AHEAD && !appended.has(k);
    });
    if (i >= 0) {
      const bytes = await fetchOk(playlist.segments[i].url, 'bytes');
      await bufferDo(function () { buffer.appendBuffer(bytes); });
      appended.add(i);
      setDuration();
      skipSmallGap();
      return true;
    }
    setDuration();
    // Everything up to the end is in the buffer: the stream ends here.
    const rest = playlist.segments.every(function (s, k) { return s.start + s.duration <= now || appended.has(k); });
    if (playlist.ended && rest && source.readyState === 'open') source.endOfStream();
    return false;
  }

  // Waiting inside a segment that was appended but is not buffered: the browser evicted it
  // (ManagedMediaSource may, and so may MSE when memory runs short). Fetch it again, a few
  // times at most.
  function refetchEvicted() {
    const now = audio.currentTime;
    if (!buffer || !playlist || covered(now)) return;
    const i = playlist.segments.findIndex(function (s) { return s.start <= now && now < s.start + s.duration; });
    if (i < 0 || !appended.has(i)) return;
    const n = (retries.get(i) || 0) + 1;
    retries.set(i, n);
    if (n <= 3) appended.delete(i);
  }

  function pump() {
    if (!buffer || !playlist || !playlist.init || busy || broken || gone || buffer.updating) return;
    // ManagedMediaSource says when the device wants data (WebKit's "streaming" attribute).
    if (source.streaming === false && !audio.seeking) return;
    busy = true;
    feed().then(function (again) {
      busy = false;
      if (again) pump();
    }, function (e) {
      busy = false;
      if (gone) return;
      if (e && e.name === 'QuotaExceededError') {
        // The browser's buffer is full: keep only what is around the playhead, try later.
        const now = audio.currentTime;
        if (now > 1) bufferDo(function () { buffer.remove(0, now - 1); }).catch(function () {});
        return;
      }
      if ((e && e.decode) || audio.error) {
        broken = true;
        emit('tafel-stream-error', { message: String(e && e.message || e) });
        return;
      }
      // A network hiccup (a phone between two cells): try again shortly.
      setTimeout(pump, 2000);
    });
  }

  if (mse) {
    source = new MS();
    // WebKit opens a ManagedMediaSource only when remote playback (AirPlay) is off or has
    // its own source.
    if (window.ManagedMediaSource && source instanceof window.ManagedMediaSource) audio.disableRemotePlayback = true;
    source.addEventListener('sourceopen', function () {
      if (buffer) return; // re-opened by an append after endOfStream(): same buffer
      buffer = source.addSourceBuffer(TYPE);
      buffer.mode = 'segments'; // each fMP4 fragment carries its own time (tfdt)
      buffer.addEventListener('updateend', pump);
      pump();
    });
    source.addEventListener('startstreaming', pump);
    ['seeking', 'waiting', 'timeupdate', 'play'].forEach(function (type) { audio.addEventListener(type, pump); });
    audio.addEventListener('waiting', function () {
      if (!buffer) return;
      skipSmallGap();
      refetchEvicted();
      pump();
    });
    audio.src = URL.createObjectURL(source);
  } else if (nativeHls) {
    audio.src = playlistUrl.href;
  } else {
    emit('tafel-stream-error', { message: 'no HLS and no Media Source Extensions' });
  }
  poll();
})();
