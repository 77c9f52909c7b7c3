// Sequences of a project, newest first, one per keptn context: filters by service, stage,
// sequence name and state (kept in the link), each run's stages at a glance.

import { badge, empty, h, replaceKeeping } from "../dom.js";
import { project as readProject, sequenceNames, sequences as readSequences, servicesOf } from "../data.js";
import { ACTIVE_STATES, ago, longTime, runTone, stateLabel, tone } from "../format.js";
import { link, withQuery } from "../routes.js";

const STATES = ["triggered", "waiting", "started", "waitingForApproval", "paused", "finished", "timedOut", "aborted"];
const FILTERS = ["service", "stage", "name", "state"];

function filterBar(params, query, choices) {
  const current = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || ""]));
  const change = (name) => (event) => {
    location.hash = withQuery(link("project", params.project, "sequence"), { ...current, [name]: event.target.value });
  };
  const select = (name, label, values, text = (v) => v) => h("label", { for: `filter-${name}` }, label,
    h("select", { id: `filter-${name}`, onchange: change(name) },
      h("option", { value: "" }, "all"),
      values.map((value) => h("option", { value, selected: value === current[name] }, text(value)))));
  return h("form", { class: "filters", role: "search", "aria-label": "Filter sequences", onsubmit: (e) => e.preventDefault() },
    select("service", "Service ", choices.services),
    select("stage", "Stage ", choices.stages),
    select("name", "Sequence ", choices.names),
    select("state", "State ", STATES, stateLabel));
}

function stageChips(params, state) {
  return h("ol", { class: "stage-chips", "aria-label": "stages" }, (state.stages || []).map((stage) => {
    const shown = stage.state === "triggered" ? state.state : (stage.latestFailedEvent ? "fail" : stage.state);
    return h("li", null, h("a", {
      href: link("project", params.project, "sequence", state.shkeptncontext, "stage", stage.name),
      class: `chip ${tone(shown)}`,
    }, `${stage.name}: ${stateLabel(shown)}`));
  }));
}

function table(params, states) {
  if (!states.length) return empty("No sequence matches.");
  return h("div", { class: "table-scroll" }, h("table", { class: "sequences" },
    h("caption", { class: "visually-hidden" }, "Sequences, newest first"),
    h("thead", null, h("tr", null, ["Started", "Service", "Sequence", "State", "Stages"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, states.map((state) => h("tr", { dataset: { context: state.shkeptncontext } },
      h("td", { title: longTime(state.time) }, ago(state.time)),
      h("td", null, state.service),
      h("td", null, h("a", { href: link("project", params.project, "sequence", state.shkeptncontext) }, state.name),
        state.problemTitle ? h("div", { class: "quiet" }, state.problemTitle) : null),
      h("td", null, badge(stateLabel(state.state), runTone(state))),
      h("td", null, stageChips(params, state)))))));
}

export async function render(view, params, query, { every }) {
  const body = await readProject(params.project);
  const choices = {
    services: servicesOf(body),
    stages: (body.stages || []).map((stage) => stage.stageName),
    names: await sequenceNames(body),
  };
  const load = async () => {
    const states = await readSequences(params.project, { name: query.get("name"), state: query.get("state") });
    const service = query.get("service");
    const stage = query.get("stage");
    return states.filter((state) => (!service || state.service === service) &&
      (!stage || (state.stages || []).some((s) => s.name === stage)));
  };
  const states = await load();
  const region = h("div", { class: "live-region" }, table(params, states));
  view.append(h("h1", null, `${params.project}: sequences`), filterBar(params, query, choices), region);
  every(4000, async () => replaceKeeping(region, table(params, await load())));
  return states.some((state) => ACTIVE_STATES.has(state.state));
}
