// Tells the server the browser's time zone (the `tz` cookie, read by ragapp.middleware), so
// times in the chat, the admin and the dashboard are local. Pages after the first use it.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var cookie = "tz=" + encodeURIComponent(zone || "");
  if (zone && document.cookie.split("; ").indexOf(cookie) === -1) {
    document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Lax";
  }
})();
