// The campaign countdown on a product page: turns "活动 HH:MM 结束" into the time left, every second.
// Without JavaScript the end time stays shown; at the end the page reloads, and the server shows the normal price.
(function () {
  var box = document.querySelector("[data-ends-at]");
  if (!box) return;
  var ends = Date.parse(box.getAttribute("data-ends-at"));
  var left = box.querySelector(".left");
  if (isNaN(ends) || !left) return;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var ms = ends - Date.now();
    if (ms <= 0) { window.location.reload(); return; }
    var s = Math.floor(ms / 1000);
    left.textContent = "距结束 " + pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
    window.setTimeout(tick, 1000 - (ms % 1000));
  }
  tick();
})();
