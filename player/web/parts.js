// What of a recording is ready while its video is still being processed (progressive
// publishing, issue 6): the audio — a growing stream ("Ton bereit bis 12:30 – wird
// fortgesetzt", from hls-audio.js's events) or complete — and the video, which this script
// watches for in manifest.json ("parts") and switches to once it is published, keeping the
// listening position. The manifest, not /api/v1, because the page's session cookie is
// scoped to /r/<id> (docs/player.md "Access").
'use strict';
(function () {
  const audio = document.getElementById('lesson');
  const box = document.querySelector('.audio-only');
  const stage = document.querySelector('main.stage');
  if (!audio || !box || !stage) return;

  const en = document.documentElement.lang === 'en';
  const T = en ? {
    until: 'Audio ready up to ', continues: ' – more is coming', complete: 'Audio complete',
    failed: 'The audio could not be loaded.', videoReady: 'Video ready',
    videoReadyLong: 'The video is ready.', switchTo: 'Switch to the video'
  } : {
    until: 'Ton bereit bis ', continues: ' – wird fortgesetzt', complete: 'Ton vollständig',
    failed: 'Der Ton konnte nicht geladen werden.', videoReady: 'Video fertig',
    videoReadyLong: 'Das Video ist fertig.', switchTo: 'Zum Video wechseln'
  };
  const partAudio = document.getElementById('part-audio');
  const partVideo = document.getElementById('part-video');
  const status = document.getElementById('video-processing');
  const recording = stage.dataset.recording || '';

  function clock(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor(total / 60) % 60;
    const s = String(total % 60).padStart(2, '0');
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
  }

  function show(part, state, text) {
    if (!part) return;
    part.dataset.state = state;
    part.textContent = text;
  }

  let streamGone = false;
  audio.addEventListener('tafel-playlist', function (e) {
    const d = e.detail;
    if (d.ended) show(partAudio, 'complete', T.complete + ' (' + clock(d.available) + ')');
    else show(partAudio, 'streaming', T.until + clock(d.available) + T.continues);
  });
  audio.addEventListener('tafel-stream-error', function () { show(partAudio, 'error', T.failed); });
  audio.addEventListener('tafel-stream-gone', function () {
    streamGone = true;
    checkManifest();
  });

  // ---- The video: published when the manifest lists it among the parts. ----
  function switchToVideo() {
    const params = new URLSearchParams(window.location.search);
    params.delete('t');
    // The video page starts where the audio was (a deep link); under a second is the start,
    // where the resume position may apply instead.
    if (audio.currentTime >= 1) params.set('t', String(Math.floor(audio.currentTime)));
    if (!audio.paused && !audio.ended) {
      try { sessionStorage.setItem('tafel.continue', recording); } catch (e) { /* private mode */ }
    }
    const query = params.toString();
    window.location.replace(window.location.pathname + (query ? '?' + query : ''));
  }

  let videoReady = false;
  function offerVideo() {
    videoReady = true;
    show(partVideo, 'complete', T.videoReady);
    if (status) {
      status.textContent = T.videoReadyLong + ' ';
      const button = document.createElement('button');
      button.type = 'button';
      button.id = 'switch-video';
      button.className = 'primary';
      button.textContent = T.switchTo;
      button.addEventListener('click', switchToVideo);
      status.appendChild(button);
    }
    // Nothing is interrupted when nothing plays; a listener keeps listening until the
    // buffered audio runs out after the stream is gone, or until they choose to switch.
    if (audio.paused || audio.ended) switchToVideo();
    else audio.addEventListener('waiting', function () { if (streamGone) switchToVideo(); });
  }

  const manifestUrl = box.dataset.manifest;
  let timer = null;
  function checkManifest() {
    if (videoReady || !manifestUrl) return;
    fetch(manifestUrl, { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (manifest) {
      if (videoReady || !manifest) return;
      if (Array.isArray(manifest.parts) && manifest.parts.includes('video')) {
        clearInterval(timer);
        offerVideo();
      } else if (streamGone && manifest.audio_stream) {
        // Still the preview's folder (a retried preview replaced it): the stream comes back.
        streamGone = false;
        audio.dispatchEvent(new CustomEvent('tafel-stream-retry'));
      }
    }).catch(function () { /* the next check */ });
  }
  // The render takes minutes: a look every 10 s is soon enough and costs one small file.
  timer = setInterval(checkManifest, 10000);
})();
