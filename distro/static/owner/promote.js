// 推广: 一键复制. A button with data-copy="<id>" copies that field's text with the Clipboard API and says so in its
// status (data-status); where the API is missing or refused (an older WebView, a page not served over https), it
// tries the old copy command on the selected text, and else leaves the text selected for the owner to copy by hand.
"use strict";

function selectAll(field) {
  field.focus();
  field.select();
  field.setSelectionRange(0, field.value.length); // iOS selects nothing with select() alone
}

async function copyField(button) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  status.textContent = "";
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error("no Clipboard API");
    await navigator.clipboard.writeText(field.value);
    status.textContent = button.dataset.copied;
  } catch (refused) {
    selectAll(field);
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (unsupported) {
      copied = false;
    }
    status.textContent = copied ? button.dataset.copied : button.dataset.selected;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (button) copyField(button);
});
