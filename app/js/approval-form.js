// Approve or decline a waiting approval with a comment (the approvals view and a run's timeline).

import { api, enc } from "./api.js";
import { announce, h } from "./dom.js";

export function decisionForm(projectName, triggered, onDecided) {
  const data = triggered.data || {};
  const id = `comment-${triggered.id}`;
  const status = h("p", { class: "form-status", role: "status" });
  const comment = h("textarea", { id, rows: "2", placeholder: "why (recorded with the decision)" });
  const decide = async (decision, button) => {
    button.disabled = true;
    status.textContent = decision === "approve" ? "Approving…" : "Declining…";
    let path = `/v1/project/${enc(projectName)}/stage/${enc(data.stage)}`;
    if (data.service) path += `/service/${enc(data.service)}`;
    try {
      const answer = await api(`${path}/approval/${enc(triggered.id)}`, {
        method: "POST",
        body: { decision, comment: comment.value.trim() },
      });
      const text = `${decision === "approve" ? "Approved" : "Declined"} by ${answer.decidedBy} at ${answer.decidedAt}.`;
      status.textContent = text;
      announce(text);
      if (onDecided) onDecided(answer, text);
    } catch (error) {
      status.textContent = error.message;
      status.classList.add("form-error");
      button.disabled = false;
    }
  };
  const approve = h("button", { type: "button", class: "primary", onclick: () => decide("approve", approve) }, "Approve");
  const decline = h("button", { type: "button", class: "danger", onclick: () => decide("decline", decline) }, "Decline");
  return h("div", { class: "decision", dataset: { approval: triggered.id } },
    h("label", { for: id }, `Comment on ${data.service || ""} in ${data.stage || ""}`), comment,
    h("div", { class: "actions" }, approve, decline), status);
}
