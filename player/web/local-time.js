// Dates are rendered by the server in UTC; this shows them in the viewer's local time, in
// German. External script: the CSP forbids inline scripts.
'use strict';
(function () {
  const format = new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short' });
  document.querySelectorAll('time[datetime]').forEach(function (el) {
    const d = new Date(el.getAttribute('datetime'));
    if (!Number.isNaN(d.getTime())) el.textContent = format.format(d);
  });
})();
