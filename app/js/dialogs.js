// A confirmation, optionally with one text field (a reason, a comment), in the page's <dialog>.

import { h } from "./dom.js";

export function confirmDialog({ title, text, okLabel = "OK", field = null, danger = false }) {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  const ok = document.getElementById("confirm-ok");
  ok.textContent = okLabel;
  ok.classList.toggle("danger", danger);
  const slot = document.getElementById("confirm-field");
  const input = field
    ? h("textarea", { id: "confirm-input", rows: "3", placeholder: field.placeholder || "" })
    : null;
  slot.replaceChildren(...(field ? [h("label", { for: "confirm-input" }, field.label), input] : []));
  const opener = document.activeElement;
  dialog.returnValue = "";
  dialog.showModal();
  (input || ok).focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (opener && opener.isConnected) opener.focus();
      resolve({ ok: dialog.returnValue === "ok", value: input ? input.value.trim() : "" });
    }, { once: true });
  });
}
