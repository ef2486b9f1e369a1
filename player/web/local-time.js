// Dates are rendered by the server in UTC; this shows them in the viewer's local time, in
// the page's language. External script: the CSP forbids inline scripts.
'use strict';
(function () {
  const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'de-DE';
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  document.querySelectorAll('time[datetime]').forEach(function (el) {
    const d = new Date(el.getAttribute('datetime'));
    if (!Number.isNaN(d.getTime())) el.textContent = format.format(d);
  });
})();
