// The playback page's chat: loads chat.json ([{t_ms, name, text}], docs/architecture.md),
// highlights the message at the playhead and keeps it in view, and seeks when a message's
// time is clicked. Loaded as an external script: the CSP forbids inline scripts.
'use strict';
(function () {
  const video = document.getElementById('lesson');
  const list = document.getElementById('chat');
  if (!video || !list) return;

  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  let times = [];
  let rows = [];
  let current = -1;
  let userScrolledAt = -Infinity;

  function clock(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor(total / 60) % 60;
    const s = String(total % 60).padStart(2, '0');
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
  }

  function status(text) {
    list.textContent = '';
    const li = document.createElement('li');
    li.className = 'status';
    li.textContent = text;
    list.appendChild(li);
  }

  function seek(ms) {
    video.currentTime = ms / 1000;
    if (video.paused) video.play().catch(function () {});
  }

  function render(messages) {
    list.textContent = '';
    messages = Array.isArray(messages) ? messages.filter(function (m) {
      return m && Number.isFinite(m.t_ms);
    }) : [];
    messages.sort(function (a, b) { return a.t_ms - b.t_ms; });
    if (messages.length === 0) { status('Keine Chatnachrichten.'); return; }
    const fragment = document.createDocumentFragment();
    times = [];
    rows = [];
    messages.forEach(function (m) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.className = 't';
      a.href = '#t=' + Math.floor(m.t_ms / 1000);
      a.textContent = clock(m.t_ms);
      a.setAttribute('aria-label', 'Zu ' + clock(m.t_ms) + ' springen');
      a.addEventListener('click', function (e) { e.preventDefault(); seek(m.t_ms); });
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = String(m.name || '') + ':';
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = String(m.text || '');
      li.append(a, name, text);
      fragment.appendChild(li);
      times.push(m.t_ms);
      rows.push(li);
    });
    list.appendChild(fragment);
    current = -1;
    update();
  }

  // Index of the last message at or before `ms`, or -1.
  function indexAt(ms) {
    let lo = 0, hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= ms) lo = mid + 1; else hi = mid;
    }
    return lo - 1;
  }

  function keepInView(li) {
    // Only the chat list scrolls, never the page, and not while the viewer scrolls it.
    if (performance.now() - userScrolledAt < 4000) return;
    const top = li.offsetTop - list.offsetTop;
    const bottom = top + li.offsetHeight;
    if (top >= list.scrollTop && bottom <= list.scrollTop + list.clientHeight) return;
    list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3),
                    behavior: reduceMotion ? 'auto' : 'smooth' });
  }

  function update() {
    const i = indexAt(video.currentTime * 1000);
    if (i === current) return;
    if (current >= 0) { rows[current].classList.remove('current'); rows[current].removeAttribute('aria-current'); }
    current = i;
    if (i >= 0) {
      rows[i].classList.add('current');
      rows[i].setAttribute('aria-current', 'true');
      keepInView(rows[i]);
    }
  }

  list.addEventListener('wheel', function () { userScrolledAt = performance.now(); }, { passive: true });
  list.addEventListener('touchmove', function () { userScrolledAt = performance.now(); }, { passive: true });
  video.addEventListener('timeupdate', update);
  video.addEventListener('seeked', function () { userScrolledAt = -Infinity; update(); });

  // "…/r/<id>#t=90" starts at 1:30.
  const start = /^#t=(\d+)$/.exec(window.location.hash);
  if (start) {
    video.addEventListener('loadedmetadata', function () { video.currentTime = Number(start[1]); },
                           { once: true });
  }

  fetch(list.dataset.src, { credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
    .then(render)
    .catch(function () { status('Der Chat konnte nicht geladen werden.'); });
})();
