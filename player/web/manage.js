// The owner's controls on the playback page: publish/unpublish, rename, deletion date,
// delete. Each sends JSON to /r/<id>/manage/<action>, where the session cookie (scoped to
// /r/<id>) carries the owner's grant; the server checks the role, never this script.
'use strict';
(function () {
  const panel = document.getElementById('manage');
  const stage = document.querySelector('main.stage');
  if (!panel || !stage) return;
  const en = document.documentElement.lang === 'en';
  const T = en ? {
    published: 'Published: pupils can see it.', unpublished: 'Not published: only teachers can see it.',
    publish: 'Publish', unpublish: 'Unpublish', saved: 'Saved.', failed: 'That did not work: ', deleted: 'Deleted.'
  } : {
    published: 'Veröffentlicht: für Schüler·innen sichtbar.', unpublished: 'Nicht veröffentlicht: nur für Lehrkräfte sichtbar.',
    publish: 'Veröffentlichen', unpublish: 'Veröffentlichung zurückziehen', saved: 'Gespeichert.',
    failed: 'Das hat nicht geklappt: ', deleted: 'Gelöscht.'
  };
  const base = '/r/' + stage.dataset.recording + '/manage/';
  const status = document.getElementById('manage-state');
  const publishButton = document.getElementById('manage-publish');

  async function send(action, body) {
    const response = await fetch(base + action, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {})
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || String(response.status));
    return answer;
  }
  function showState(state) {
    panel.dataset.state = state;
    const published = state === 'published';
    status.textContent = published ? T.published : T.unpublished;
    publishButton.dataset.action = published ? 'unpublish' : 'publish';
    publishButton.textContent = published ? T.unpublish : T.publish;
  }
  function report(error) { status.textContent = T.failed + error.message; }

  publishButton.addEventListener('click', () => {
    send(publishButton.dataset.action).then((r) => showState(r.state), report);
  });
  document.getElementById('manage-rename').addEventListener('submit', (event) => {
    event.preventDefault();
    const title = document.getElementById('manage-title').value.trim();
    send('update', { title }).then((r) => {
      document.querySelector('h1').textContent = r.title;
      document.title = r.title + ' – tafel';
      status.textContent = T.saved;
    }, report);
  });
  document.getElementById('manage-retention').addEventListener('submit', (event) => {
    event.preventDefault();
    const date = document.getElementById('manage-delete-after').value; // YYYY-MM-DD
    if (!date) return;
    // The end of that day in UTC: the recording is kept through the chosen day.
    const us = (Date.parse(date + 'T23:59:59Z')) * 1000;
    send('update', { delete_after_utc_us: us }).then(() => { status.textContent = T.saved; }, report);
  });
  document.getElementById('manage-delete').addEventListener('click', () => {
    if (!window.confirm(panel.dataset.deleteConfirm)) return;
    send('delete').then(() => {
      status.textContent = T.deleted;
      const video = document.getElementById('lesson');
      if (video) video.pause();
      for (const control of panel.querySelectorAll('button, input')) control.disabled = true;
    }, report);
  });
})();
