// API 密钥: copy the client id or the secret shown once (the Clipboard API, else the copy command; the text is left
// selected either way, to copy by hand where neither works).
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
  var byCommand = function () { if (document.execCommand && document.execCommand("copy")) done(); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent).then(done, byCommand);
  } else {
    byCommand();
  }
});
