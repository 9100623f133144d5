// API 密钥: copy the client id or the secret shown once (the Clipboard API; else the text is left selected to copy).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  var selection = window.getSelection();
  var range = document.createRange();
  range.selectNodeContents(source);
  selection.removeAllRanges();
  selection.addRange(range);
  var done = function () { button.textContent = button.getAttribute("data-copied"); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent).then(done, function () {});
  } else if (document.execCommand && document.execCommand("copy")) {
    done();
  }
});
