// Approvals: those waiting for a person, with the evaluation before them and the configuration
// diff to be deployed, decided with a comment; and the decisions made (who, when, why).

import { badge, empty, h, replaceKeeping } from "../dom.js";
import { decisionForm } from "../approval-form.js";
import { events as readEvents, openApprovals } from "../data.js";
import { ago, longTime, score, tone } from "../format.js";
import { link } from "../routes.js";

function diffLines(text) {
  return h("pre", { class: "code diff", tabindex: "0" }, text.split("\n").map((line) => h("span", {
    class: line.startsWith("+") && !line.startsWith("+++") ? "added"
      : line.startsWith("-") && !line.startsWith("---") ? "removed"
        : line.startsWith("@@") ? "hunk" : null,
  }, line, "\n")));
}

export function configurationDiff(diff, key) {
  if (!diff) return h("p", { class: "quiet" }, "No configuration diff was recorded for this approval.");
  if (diff.error) return h("p", { class: "quiet" }, `The configuration diff could not be computed: ${diff.error}`);
  const files = diff.files || [];
  const range = `${diff.fromCommit ? `from ${diff.fromCommit} ` : "first deployment, "}to ${diff.toCommit || "?"}`;
  return h("div", { class: "config-diff" },
    h("p", null, h("strong", null, "Configuration change "), h("span", { class: "quiet" }, range)),
    files.length ? h("ul", { class: "files" }, files.map((file) => h("li", null,
      h("details", { dataset: { key: `${key}-${file.uri}` } },
        h("summary", null, badge(file.change, file.change === "removed" ? "fail" : file.change === "added" ? "pass" : "warning"), " ", h("code", null, file.uri),
          file.truncated ? " (cut short)" : ""),
        file.binary ? h("p", { class: "quiet" }, "binary content")
          : file.tooLarge ? h("p", { class: "quiet" }, "too large to show")
            : file.diff ? diffLines(file.diff) : h("p", { class: "quiet" }, "not shown (the listing is limited)")))))
      : h("p", { class: "quiet" }, "No file changes."),
    diff.omittedFiles ? h("p", { class: "quiet" }, `${diff.omittedFiles} more files not listed.`) : null);
}

function waitingCard(projectName, triggered, waiting, onDecided) {
  const data = triggered.data || {};
  const details = (waiting && waiting.data) || {};
  const evaluation = details.evaluation || data.evaluation;
  const result = details.result || data.result;
  const image = ((details.configurationChange || data.configurationChange || {}).values || {}).image;
  return h("li", { class: "card approval-card", dataset: { approval: triggered.id } },
    h("h3", null, `${data.service} → ${data.stage}`),
    h("p", { class: "meta" },
      `waiting since ${ago(triggered.time)}`, " · ",
      h("a", { href: link("project", projectName, "sequence", triggered.shkeptncontext, "stage", data.stage) }, "the run")),
    image ? h("p", null, "Deploys ", h("code", null, image)) : null,
    result || evaluation
      ? h("p", { class: "evaluation" }, "Before it: ",
        result ? badge(result, tone(result)) : null,
        evaluation && evaluation.score !== undefined ? ` evaluation score ${score(evaluation.score)}` : "",
        evaluation && evaluation.result ? ` (${evaluation.result})` : "")
      : null,
    configurationDiff(details.configurationDiff, triggered.id),
    decisionForm(projectName, triggered, onDecided));
}

function history(projectName, finished) {
  if (!finished.length) return empty("No approval has been decided yet.");
  return h("div", { class: "table-scroll" }, h("table", { class: "history" },
    h("caption", { class: "visually-hidden" }, "Decided approvals, newest first"),
    h("thead", null, h("tr", null, ["When", "Service", "Stage", "Decision", "By", "Why"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, finished.map((event) => {
      const data = event.data || {};
      const decision = data.approval || {};
      const by = decision.decidedBy || (event.source === "approval-service" ? "automatic" : event.qmsubmitter || event.source);
      return h("tr", null,
        h("td", { title: longTime(event.time) }, h("a", { href: link("project", projectName, "sequence", event.shkeptncontext, "stage", data.stage) }, longTime(event.time))),
        h("td", null, data.service), h("td", null, data.stage),
        h("td", null, badge(decision.decision || (data.result === "pass" ? "approved" : data.result || ""), tone(data.result))),
        h("td", null, by),
        h("td", null, decision.comment || data.message || ""));
    }))));
}

export async function render(view, params, _query, { every }) {
  const load = () => Promise.all([
    openApprovals(params.project),
    readEvents({ project: params.project, type: "sh.keptn.event.approval.waiting" }, 100),
    readEvents({ project: params.project, type: "sh.keptn.event.approval.finished" }, 100),
  ]);
  const waitingRegion = h("div", { class: "live-region" });
  // Outside the refreshed region: the card a decision was made on leaves the list.
  const said = h("p", { class: "form-status", id: "decision-status", role: "status" });
  const historyRegion = h("div", { class: "live-region" });
  const draw = ([open, waiting, finished]) => {
    const byTrigger = new Map(waiting.map((event) => [event.triggeredid, event]));
    replaceKeeping(waitingRegion, open.length
      ? h("ul", { class: "cards approvals" }, open.map((triggered) => waitingCard(params.project, triggered, byTrigger.get(triggered.id), decided)))
      : empty("No approval is waiting."));
    replaceKeeping(historyRegion, history(params.project, finished));
  };
  const decided = (_answer, text) => {
    said.textContent = text;
    load().then(draw).catch((error) => { said.textContent = error.message; });
  };
  const refresh = async () => {
    // A form being filled in is left alone until it is sent.
    if (waitingRegion.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA") return;
    draw(await load());
  };
  draw(await load());
  view.append(h("h1", null, `${params.project}: approvals`),
    h("h2", null, "Waiting"), said, waitingRegion, h("h2", null, "Decided"), historyRegion);
  every(4000, refresh);
}
