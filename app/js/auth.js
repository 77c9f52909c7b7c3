// Asking for the token: once per tab, and again when the API refuses it (expired, revoked).

import { api, AuthError, forgetToken, setToken, token } from "./api.js";
import { h } from "./dom.js";

let waiting = null;

export function askForToken(reason) {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const error = document.getElementById("token-error");
  document.getElementById("token-reason").textContent = reason ||
    "Enter an API token of this installation. It is kept in this browser tab only, until the tab is closed.";
  error.textContent = "";
  input.value = "";
  if (!dialog.open) dialog.showModal();
  input.focus();
  if (!waiting) {
    waiting = new Promise((resolve) => {
      const form = document.getElementById("token-form");
      const submit = async (event) => {
        event.preventDefault();
        const candidate = input.value.trim();
        if (!candidate) return;
        try {
          const who = await api("/v1/auth", { method: "POST", withToken: candidate });
          setToken(candidate);
          input.value = "";
          form.removeEventListener("submit", submit);
          dialog.close();
          waiting = null;
          showIdentity(who.identity);
          resolve(who.identity);
        } catch (failure) {
          error.textContent = failure instanceof AuthError
            ? "This token is not valid here (unknown, revoked or expired)."
            : failure.message;
          input.select();
        }
      };
      form.addEventListener("submit", submit);
      // Escape would leave the page without a token: keep the dialog until one is given.
      dialog.addEventListener("cancel", (event) => event.preventDefault());
    });
  }
  return waiting;
}

export function showIdentity(identity) {
  const who = document.getElementById("who");
  who.replaceChildren(
    h("span", { class: "identity", title: "the name of the API token in use" }, identity || ""),
    h("button", {
      type: "button",
      class: "link",
      onclick: () => {
        forgetToken();
        who.replaceChildren();
        askForToken("The token was forgotten. Enter a token to go on.").then(() => window.dispatchEvent(new Event("hashchange")));
      },
    }, "Forget token"),
  );
}

export async function ensureToken() {
  if (token()) return;
  await askForToken();
}
