// The supplier console's product form: "添加规格" adds an empty SKU row in place (without JavaScript the button
// asks the server for the form with one more row, and files already chosen would have to be chosen again).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-sku]");
  if (!button) return;
  event.preventDefault();
  const template = document.getElementById("sku-row");
  const rows = document.getElementById("sku-rows");
  const row = template.content.firstElementChild.cloneNode(true);
  const number = rows.children.length + 1;
  for (const input of row.querySelectorAll("input")) {
    input.setAttribute("aria-label", template.dataset.aria.replace("{n}", number).replace("{label}", input.dataset.label));
    input.removeAttribute("data-label");
  }
  rows.appendChild(row);
  row.querySelector("input").focus();
});
