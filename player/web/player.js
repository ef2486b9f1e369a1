// The playback page: speed, keyboard shortcuts, deep links (?t=1h2m3s), resume position,
// the chapter list (chapters.vtt) and the chat (chat.json: [{t_ms, name, text}],
// docs/architecture.md) that follows the playhead, can be searched and seeks on click.
// Loaded as an external script: the CSP forbids inline scripts.
'use strict';
(function () {
  const video = document.getElementById('lesson');
  const stage = document.querySelector('main.stage');
  if (!video || !stage) return;

  const en = document.documentElement.lang === 'en';
  const T = en ? {
    jump: 'Jump to ', noChat: 'No chat messages.', chatFailed: 'The chat could not be loaded.',
    noMatch: 'No message matches.', resumed: 'Resumed at ', fromStart: 'Start over',
    chaptersFailed: 'The chapters could not be loaded.', chapter: 'Chapter '
  } : {
    jump: 'Zu ', noChat: 'Keine Chatnachrichten.', chatFailed: 'Der Chat konnte nicht geladen werden.',
    noMatch: 'Keine Nachricht passt.', resumed: 'Fortgesetzt bei ', fromStart: 'Von vorn',
    chaptersFailed: 'Die Kapitel konnten nicht geladen werden.', chapter: 'Kapitel '
  };
  const jumpSuffix = en ? '' : ' springen';

  const recording = stage.dataset.recording || '';
  const positionKey = 'tafel.position.' + recording;
  const rateKey = 'tafel.rate';
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  function clock(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor(total / 60) % 60;
    const s = String(total % 60).padStart(2, '0');
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
  }

  function store(key, value) {
    try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); }
    catch (e) { /* storage disabled (private mode): the page works without it */ }
  }
  function load(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function seekTo(seconds) {
    const end = Number.isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.min(Math.max(0, seconds), end);
  }

  // ---- Deep links: ?t=1h2m3s, ?t=90, #t=90 (the last is what older links used). ----
  function parseTime(text) {
    if (!text) return null;
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    if (!m || (!m[1] && !m[2] && !m[3])) return null;
    return Number(m[1] || 0) * 3600 + Number(m[2] || 0) * 60 + Number(m[3] || 0);
  }
  const params = new URLSearchParams(window.location.search);
  // The portal's token has become a session cookie: keep it out of history and bookmarks.
  if (params.has('token')) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', window.location.pathname + (rest ? '?' + rest : '') + window.location.hash);
  }
  const hash = /^#t=(.+)$/.exec(window.location.hash);
  const linked = parseTime(params.get('t')) ?? (hash ? parseTime(hash[1]) : null);

  // ---- Speed (0.5–2×), remembered across recordings. ----
  const speed = document.getElementById('speed');
  function applyRate(rate) {
    if (!Number.isFinite(rate) || rate < 0.5 || rate > 2) return;
    video.playbackRate = rate;
    video.defaultPlaybackRate = rate;
    if (speed) speed.value = String(rate);
  }
  if (speed) {
    speed.addEventListener('change', function () {
      applyRate(Number(speed.value));
      store(rateKey, speed.value);
    });
  }
  applyRate(Number(load(rateKey) || '1'));
  // Some browsers reset the rate when the source loads.
  video.addEventListener('loadedmetadata', function () { applyRate(Number(speed ? speed.value : 1)); });

  // ---- Resume: the position is kept per recording; a deep link wins over it. ----
  const resume = document.getElementById('resume');
  let lastSaved = 0;
  function savePosition(force) {
    const now = performance.now();
    if (!force && now - lastSaved < 1000) return;
    lastSaved = now;
    const t = video.currentTime;
    // Near the end counts as finished: the next visit starts at the beginning.
    if (Number.isFinite(video.duration) && t > video.duration - 3) store(positionKey, null);
    else if (t >= 1) store(positionKey, t.toFixed(1));
  }
  video.addEventListener('timeupdate', function () { savePosition(false); });
  video.addEventListener('pause', function () { savePosition(true); });
  video.addEventListener('seeked', function () { if (video.paused) savePosition(true); });
  window.addEventListener('pagehide', function () { savePosition(true); });

  function showResumed(seconds) {
    if (!resume) return;
    resume.textContent = T.resumed + clock(seconds * 1000) + ' · ';
    const again = document.createElement('button');
    again.type = 'button';
    again.className = 'link';
    again.textContent = T.fromStart;
    again.addEventListener('click', function () {
      seekTo(0);
      store(positionKey, null);
      resume.hidden = true;
    });
    resume.appendChild(again);
    resume.hidden = false;
  }

  function startPosition() {
    if (linked !== null) { seekTo(linked); return; }
    const saved = Number(load(positionKey));
    if (Number.isFinite(saved) && saved >= 1) {
      seekTo(saved);
      showResumed(saved);
    }
  }
  if (video.readyState >= 1) startPosition();
  else video.addEventListener('loadedmetadata', startPosition, { once: true });
  // The audio-only page switched here while playing (parts.js): play on. A browser that
  // refuses to play without a click leaves the video paused at the same position.
  {
    let carry = null;
    try { carry = sessionStorage.getItem('tafel.continue'); sessionStorage.removeItem('tafel.continue'); } catch (e) { /* private mode */ }
    if (carry === recording && video.tagName === 'VIDEO') video.play().catch(function () {});
  }

  // ---- A list of timed rows (chat, chapters) that follows the playhead. ----
  function Follower(list, onChange) {
    this.list = list;
    this.times = [];
    this.rows = [];
    this.current = -1;
    this.userScrolledAt = -Infinity;
    this.onChange = onChange;
    const self = this;
    list.addEventListener('wheel', function () { self.userScrolledAt = performance.now(); }, { passive: true });
    list.addEventListener('touchmove', function () { self.userScrolledAt = performance.now(); }, { passive: true });
  }
  // Index of the last row at or before `ms`, or -1.
  Follower.prototype.indexAt = function (ms) {
    let lo = 0, hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] <= ms) lo = mid + 1; else hi = mid;
    }
    return lo - 1;
  };
  Follower.prototype.keepInView = function (li) {
    // Only the list scrolls, never the page, and not while the viewer scrolls it.
    if (performance.now() - this.userScrolledAt < 4000 || li.hidden) return;
    const list = this.list;
    if (list.scrollHeight <= list.clientHeight) return;
    const top = li.offsetTop - list.offsetTop;
    const bottom = top + li.offsetHeight;
    if (top >= list.scrollTop && bottom <= list.scrollTop + list.clientHeight) return;
    list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3), behavior: reduceMotion ? 'auto' : 'smooth' });
  };
  Follower.prototype.update = function () {
    const i = this.indexAt(video.currentTime * 1000);
    if (i === this.current) return;
    if (this.current >= 0) {
      this.rows[this.current].classList.remove('current');
      this.rows[this.current].removeAttribute('aria-current');
    }
    this.current = i;
    if (i >= 0) {
      this.rows[i].classList.add('current');
      this.rows[i].setAttribute('aria-current', 'true');
      this.keepInView(this.rows[i]);
      if (this.onChange) this.onChange(i);
    }
  };
  Follower.prototype.status = function (text) {
    this.list.textContent = '';
    const li = document.createElement('li');
    li.className = 'status';
    li.textContent = text;
    this.list.appendChild(li);
  };
  // items: [{t_ms, build(li)}] sorted by time.
  Follower.prototype.fill = function (items) {
    this.list.textContent = '';
    this.times = [];
    this.rows = [];
    this.current = -1;
    const fragment = document.createDocumentFragment();
    const self = this;
    items.forEach(function (item) {
      const li = document.createElement('li');
      item.build(li);
      fragment.appendChild(li);
      self.times.push(item.t_ms);
      self.rows.push(li);
    });
    this.list.appendChild(fragment);
    this.update();
  };

  function timeLink(ms, label) {
    const a = document.createElement('a');
    a.className = 't';
    a.href = '?t=' + Math.floor(ms / 1000) + (en ? '&lang=en' : '');
    a.textContent = clock(ms);
    a.setAttribute('aria-label', T.jump + (label || clock(ms)) + jumpSuffix);
    a.addEventListener('click', function (e) {
      e.preventDefault();
      seekTo(ms / 1000);
      if (video.paused) video.play().catch(function () {});
    });
    return a;
  }

  const followers = [];
  video.addEventListener('timeupdate', function () { followers.forEach(function (f) { f.update(); }); });
  video.addEventListener('seeked', function () {
    followers.forEach(function (f) { f.userScrolledAt = -Infinity; f.update(); });
  });

  function fetchOk(url, as) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return as === 'json' ? r.json() : r.text();
    });
  }

  // ---- Chat ----
  const chatList = document.getElementById('chat');
  const live = document.getElementById('chat-live');
  let chat = null;
  if (chatList) {
    chat = new Follower(chatList, function (i) {
      // Announce the message at the playhead to screen readers while playing (not on seeks).
      if (live && !video.paused && !video.seeking) live.textContent = chat.rows[i].textContent;
    });
    followers.push(chat);
    fetchOk(chatList.dataset.src, 'json').then(function (messages) {
      messages = Array.isArray(messages) ? messages.filter(function (m) {
        return m && Number.isFinite(m.t_ms);
      }) : [];
      messages.sort(function (a, b) { return a.t_ms - b.t_ms; });
      if (messages.length === 0) { chat.status(T.noChat); return; }
      chat.fill(messages.map(function (m) {
        return { t_ms: m.t_ms, build: function (li) {
          const name = document.createElement('span');
          name.className = 'name';
          name.textContent = String(m.name || '') + ':';
          const text = document.createElement('span');
          text.className = 'text';
          text.textContent = String(m.text || '');
          li.append(timeLink(m.t_ms), ' ', name, ' ', text);
        } };
      }));
    }).catch(function () { chat.status(T.chatFailed); });
  }

  const search = document.getElementById('chat-search');
  if (search && chatList) {
    let empty = null;
    search.addEventListener('input', function () {
      const q = search.value.trim().toLocaleLowerCase();
      let shown = 0;
      chat.rows.forEach(function (li) {
        li.hidden = q !== '' && !li.textContent.toLocaleLowerCase().includes(q);
        if (!li.hidden) ++shown;
      });
      if (empty) { empty.remove(); empty = null; }
      if (shown === 0 && chat.rows.length > 0) {
        empty = document.createElement('li');
        empty.className = 'status';
        empty.textContent = T.noMatch;
        chatList.appendChild(empty);
      }
    });
  }

  // ---- Chapters (WebVTT, https://www.w3.org/TR/webvtt1/#file-structure) ----
  const chapterList = document.getElementById('chapters');
  let chapters = null;
  function vttTime(text) {
    const m = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/.exec(text.trim());
    if (!m) return null;
    return ((Number(m[1] || 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
  }
  function parseVtt(text) {
    const cues = [];
    const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/);
    blocks.forEach(function (block) {
      const lines = block.split('\n');
      const at = lines.findIndex(function (l) { return l.includes('-->'); });
      if (at < 0) return;
      const start = vttTime(lines[at].split('-->')[0]);
      const title = lines.slice(at + 1).join(' ').trim();
      if (start !== null && title) cues.push({ t_ms: start, title: title });
    });
    return cues.sort(function (a, b) { return a.t_ms - b.t_ms; });
  }
  // ---- Thumbnails (thumbnails.vtt: cues whose text is "sprite.jpg#xywh=x,y,w,h", the
  // storyboard convention of JW Player and Video.js) for seek-bar previews and chapters. ----
  function parseThumbnails(text, base) {
    const cues = [];
    text.replace(/\r\n?/g, '\n').split(/\n{2,}/).forEach(function (block) {
      const lines = block.split('\n');
      const at = lines.findIndex(function (l) { return l.includes('-->'); });
      if (at < 0 || !lines[at + 1]) return;
      const times = lines[at].split('-->');
      const start = vttTime(times[0]);
      const end = vttTime(times[1].trim().split(/\s+/)[0]);
      const url = new URL(lines[at + 1].trim(), base);
      const m = /^#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(url.hash);
      if (start === null || end === null || !m || url.origin !== window.location.origin) return;
      url.hash = '';
      cues.push({ start: start, end: end, src: url.href, x: +m[1], y: +m[2], w: +m[3], h: +m[4] });
    });
    return cues.sort(function (a, b) { return a.start - b.start; });
  }
  function thumbnailAt(cues, ms) {
    let found = null;
    cues.forEach(function (c) { if (c.start <= ms) found = c; });
    return found;
  }
  function paintThumbnail(el, cue) {
    el.style.backgroundImage = 'url("' + cue.src + '")';
    el.style.backgroundPosition = (-cue.x) + 'px ' + (-cue.y) + 'px';
    el.style.width = cue.w + 'px';
    el.style.height = cue.h + 'px';
  }
  const thumbnailsUrl = video.dataset.thumbnails;
  const thumbnails = thumbnailsUrl
    ? fetchOk(thumbnailsUrl, 'text').then(function (text) {
      return parseThumbnails(text, new URL(thumbnailsUrl, window.location.href));
    }).catch(function () { return []; })
    : Promise.resolve([]);

  // A seek bar under the video that previews the frame under the pointer (the native
  // controls cannot show previews); keyboard users keep the native controls and shortcuts.
  thumbnails.then(function (cues) {
    if (cues.length === 0) return;
    const bar = document.createElement('div');
    bar.className = 'seekbar';
    bar.setAttribute('aria-hidden', 'true');
    const fill = document.createElement('div');
    fill.className = 'fill';
    const preview = document.createElement('div');
    preview.className = 'seek-preview';
    preview.hidden = true;
    const image = document.createElement('div');
    image.className = 'image';
    const label = document.createElement('span');
    label.className = 'time';
    preview.append(image, label);
    bar.append(fill, preview);
    video.parentNode.appendChild(bar);
    function msAt(event) {
      const box = bar.getBoundingClientRect();
      const f = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      return { ms: f * (Number.isFinite(video.duration) ? video.duration : 0) * 1000, x: f * box.width };
    }
    bar.addEventListener('pointermove', function (event) {
      const at = msAt(event);
      const cue = thumbnailAt(cues, at.ms);
      if (!cue) { preview.hidden = true; return; }
      paintThumbnail(image, cue);
      label.textContent = clock(at.ms);
      preview.dataset.t = String(Math.floor(at.ms));
      preview.style.left = Math.min(Math.max(at.x, cue.w / 2), bar.clientWidth - cue.w / 2) + 'px';
      preview.hidden = false;
    });
    bar.addEventListener('pointerleave', function () { preview.hidden = true; });
    bar.addEventListener('click', function (event) { seekTo(msAt(event).ms / 1000); });
    video.addEventListener('timeupdate', function () {
      const d = Number.isFinite(video.duration) ? video.duration : 0;
      fill.style.width = (d > 0 ? 100 * video.currentTime / d : 0) + '%';
    });
  });

  if (chapterList) {
    chapters = new Follower(chapterList, null);
    followers.push(chapters);
    Promise.all([fetchOk(chapterList.dataset.src, 'text'), thumbnails]).then(function (loaded) {
      const cues = parseVtt(loaded[0]);
      const thumbs = loaded[1];
      chapters.fill(cues.map(function (c) {
        return { t_ms: c.t_ms, build: function (li) {
          const a = timeLink(c.t_ms, c.title);
          // The slide at the chapter's start, when there are thumbnails.
          const cue = thumbnailAt(thumbs, c.t_ms);
          if (cue) {
            const thumb = document.createElement('span');
            thumb.className = 'thumb';
            paintThumbnail(thumb, cue);
            a.prepend(thumb);
          }
          const title = document.createElement('span');
          title.className = 'title';
          title.textContent = c.title;
          a.append(' ', title);
          li.appendChild(a);
        } };
      }));
    }).catch(function () { chapters.status(T.chaptersFailed); });
  }
  function chapterStep(direction) {
    if (!chapters || chapters.times.length === 0) return;
    const ms = video.currentTime * 1000;
    let i = chapters.indexAt(ms);
    // "Previous" within the first 3 s of a chapter goes to the one before, like a CD player.
    if (direction < 0) i = (i >= 0 && ms - chapters.times[i] < 3000) ? i - 1 : i;
    else i = i + 1;
    if (i < 0) i = 0;
    if (i >= chapters.times.length) return;
    seekTo(chapters.times[i] / 1000);
  }

  // ---- Help dialog ----
  const help = document.getElementById('help');
  const helpButton = document.getElementById('help-button');
  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }
  if (helpButton) helpButton.addEventListener('click', toggleHelp);

  function toggleFullscreen() {
    const box = video.closest('.video') || video;
    if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
    else if (box.requestFullscreen) box.requestFullscreen().catch(function () {});
    else if (video.webkitEnterFullscreen) video.webkitEnterFullscreen(); // iPhone Safari
  }

  // ---- Keyboard shortcuts (YouTube's keys): captured before the video's own handling so
  // that one key press acts once. ----
  window.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const el = e.target;
    const tag = el && el.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || (el && el.isContentEditable)) return;
    if (help && help.open && e.key !== '?') return; // the dialog owns the keys (Esc closes it)
    const onControl = tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY';
    let handled = true;
    switch (e.key) {
      case ' ': case 'k': case 'K':
        if (onControl && e.key === ' ') { handled = false; break; } // Space presses the button
        if (video.paused) video.play().catch(function () {}); else video.pause();
        break;
      case 'ArrowLeft': seekTo(video.currentTime - 5); break;
      case 'ArrowRight': seekTo(video.currentTime + 5); break;
      case 'j': case 'J': seekTo(video.currentTime - 10); break;
      case 'l': case 'L': seekTo(video.currentTime + 10); break;
      case 'ArrowUp': if (chapters) chapterStep(-1); else handled = false; break;
      case 'ArrowDown': if (chapters) chapterStep(1); else handled = false; break;
      case 'f': case 'F': toggleFullscreen(); break;
      case '?': toggleHelp(); break;
      default: handled = false;
    }
    if (handled) { e.preventDefault(); e.stopPropagation(); }
  }, true);
})();
