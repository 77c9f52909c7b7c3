// One run (keptn context) across its stages: a timeline of each stage's tasks with their state,
// executor, duration and events (payloads on demand); pause, resume, abort and skip; approvals
// decided inline; a queued stage links to the run it waits for. Refreshed while it is active.

import { api, enc } from "../api.js";
import { decisionForm } from "../approval-form.js";
import { confirmDialog } from "../dialogs.js";
import { announce, badge, empty, h, replaceKeeping } from "../dom.js";
import { events as readEvents, parseType, project as readProject, sequences as readSequences } from "../data.js";
import { ACTIVE_STATES, duration, longTime, runTone, stateLabel, tone } from "../format.js";
import { link } from "../routes.js";

/** Each stage's tasks from the context's events (oldest first). */
export function timeline(events) {
  const stages = new Map();
  const tasks = new Map(); // .triggered id -> task
  const stageOf = (name) => {
    if (!stages.has(name)) stages.set(name, { name, tasks: [], sequenceEvents: [] });
    return stages.get(name);
  };
  for (const event of events) {
    const type = parseType(event.type);
    if (type.kind === "sequence") {
      stageOf(type.stage).sequenceEvents.push(event);
      continue;
    }
    if (type.name === "get-sli") continue; // the lighthouse's own request to an SLI provider
    if (type.phase === "triggered") {
      const stage = (event.data || {}).stage;
      if (!stage) continue;
      const task = { name: type.name, triggered: event, answers: [], stage };
      tasks.set(event.id, task);
      stageOf(stage).tasks.push(task);
    } else if (event.triggeredid && tasks.has(event.triggeredid)) {
      tasks.get(event.triggeredid).answers.push(event);
    }
  }
  for (const task of tasks.values()) {
    const finished = task.answers.filter((e) => parseType(e.type).phase === "finished");
    const started = task.answers.filter((e) => parseType(e.type).phase === "started");
    const last = finished[finished.length - 1];
    task.finished = last || null;
    task.state = last ? ((last.data || {}).result || (last.data || {}).status || "finished")
      : started.length ? "started" : "triggered";
    task.executors = [...new Set(task.answers.filter((e) => ["started", "finished"].includes(parseType(e.type).phase)).map((e) => e.source))];
    task.start = task.triggered.time;
    task.end = last ? last.time : null;
  }
  return [...stages.values()];
}

function eventList(task) {
  const all = [task.triggered, ...task.answers];
  const details = h("details", { class: "events", dataset: { key: `events-${task.triggered.id}` } },
    h("summary", null, `Events (${all.length})`));
  const list = h("ol", { class: "event-list" });
  details.append(list);
  // Payloads are built when opened: a long run's page stays light.
  details.addEventListener("toggle", () => {
    if (!details.open || list.childElementCount) return;
    list.append(...all.map((event) => h("li", null,
      h("details", { dataset: { key: `payload-${event.id}` } },
        h("summary", null, h("code", null, event.type.replace(/^sh\.keptn\.event\./, "")), ` from ${event.source} at ${longTime(event.time)}`),
        h("pre", { class: "code", tabindex: "0" }, JSON.stringify(event, null, 2))))));
  });
  return details;
}

function bar(task, bounds) {
  const span = Math.max(bounds.end - bounds.start, 1);
  const start = new Date(task.start).getTime();
  const end = task.end ? new Date(task.end).getTime() : bounds.end;
  const left = ((start - bounds.start) / span) * 100;
  const width = Math.max(((end - start) / span) * 100, 0.8);
  return h("div", { class: "bar-track", "aria-hidden": "true" },
    h("div", { class: `bar ${tone(task.state)}`, style: { left: `${left}%`, width: `${width}%` } }));
}

function taskRow(params, task, bounds, now, onChanged) {
  const took = (task.end ? new Date(task.end) : now) - new Date(task.start);
  const waitingApproval = task.name === "approval" && !task.finished;
  const isEvaluation = task.name === "evaluation" && task.finished;
  return h("li", { class: "task", dataset: { task: task.name, state: task.state } },
    h("div", { class: "task-head" },
      h("span", { class: "task-name" }, task.name),
      badge(stateLabel(task.state), tone(task.state)),
      h("span", { class: "executor" }, task.executors.length ? `by ${task.executors.join(", ")}` : "no tool has answered yet"),
      h("span", { class: "duration", title: `from ${longTime(task.start)}${task.end ? ` to ${longTime(task.end)}` : ""}` },
        `${duration(took)}${task.end ? "" : " so far"}`)),
    bar(task, bounds),
    isEvaluation
      ? h("a", { href: link("project", params.project, "service", task.triggered.data.service, "stage", task.stage, "evaluation", task.triggered.id) }, "Open the evaluation")
      : null,
    waitingApproval ? decisionForm(params.project, task.triggered, onChanged) : null,
    eventList(task));
}

async function control(params, state, body, text) {
  try {
    const answer = await api(`/v1/sequence/${enc(params.project)}/${enc(params.context)}/control`, { method: "POST", body });
    announce(answer.message || text);
    return answer.message || text;
  } catch (error) {
    announce(error.message);
    return error.message;
  }
}

function controls(params, state, stages, onChanged, say) {
  const active = ACTIVE_STATES.has(state.state);
  const act = async (body, confirmation) => {
    let reason = "";
    if (confirmation) {
      const answer = await confirmDialog(confirmation);
      if (!answer.ok) return;
      reason = answer.value;
    }
    say(await control(params, state, reason ? { ...body, reason } : body));
    onChanged();
  };
  const waitingTask = stages.flatMap((stage) => stage.tasks)
    .find((task) => !task.finished && task.name !== "approval");
  return h("div", { class: "controls", role: "group", "aria-label": "Control this run" },
    h("button", { type: "button", id: "control-pause", disabled: !active || state.state === "paused", onclick: () => act({ state: "pause" }) }, "Pause"),
    h("button", { type: "button", id: "control-resume", disabled: state.state !== "paused", onclick: () => act({ state: "resume" }) }, "Resume"),
    h("button", {
      type: "button", id: "control-skip", disabled: !active || !waitingTask,
      onclick: () => act({ state: "skip", stage: waitingTask.stage }, {
        title: "Skip the waiting task",
        text: `The ${waitingTask.name} task in ${waitingTask.stage} will finish as passed and the run goes on.`,
        okLabel: "Skip it",
        field: { label: "Reason (recorded with the task)" },
      }),
    }, "Skip task"),
    h("button", {
      type: "button", id: "control-abort", class: "danger", disabled: !active,
      onclick: () => act({ state: "abort" }, {
        title: "Abort this run",
        text: "Every stage of this run ends aborted, and nothing chains after it.",
        okLabel: "Abort the run",
        danger: true,
      }),
    }, "Abort"));
}

function stageSection(params, state, stage, stageState, bounds, now, onChanged) {
  const shown = stageState ? (stageState.state === "triggered" ? state.state : stageState.state) : "triggered";
  const blocked = stageState && stageState.blockedBy;
  return h("section", { class: "stage", id: `stage-${stage.name}`, "aria-labelledby": `stage-title-${stage.name}` },
    h("h2", { id: `stage-title-${stage.name}` }, stage.name, " ", badge(stateLabel(shown), tone(shown)),
      stageState && stageState.latestFailedEvent ? [" ", badge("failed", "fail")] : null),
    blocked
      ? h("p", { class: "blocked" }, "Waiting for ",
        h("a", { href: link("project", params.project, "sequence", blocked.keptnContext, "stage", stage.name) },
          `the ${blocked.sequence} run ${blocked.keptnContext}`), " to finish in this stage.")
      : null,
    stageState && stageState.image ? h("p", { class: "quiet" }, `image ${stageState.image}`) : null,
    stage.tasks.length
      ? h("ol", { class: "tasks" }, stage.tasks.map((task) => taskRow(params, task, bounds, now, onChanged)))
      : h("p", { class: "quiet" }, blocked ? "No task yet: the run is queued." : "No task sent yet."));
}

function content(params, body, state, events, onChanged, say) {
  const now = new Date();
  const stages = timeline(events);
  const order = (body.stages || []).map((s) => s.stageName);
  stages.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const stage of state.stages || []) {
    if (!stages.some((s) => s.name === stage.name)) stages.push({ name: stage.name, tasks: [], sequenceEvents: [] });
  }
  const times = events.map((e) => new Date(e.time).getTime()).filter(Number.isFinite);
  const active = ACTIVE_STATES.has(state.state);
  const bounds = { start: Math.min(...times), end: active ? Math.max(now.getTime(), ...times) : Math.max(...times) };
  return [
    h("p", { class: "summary" }, badge(stateLabel(state.state), runTone(state)),
      ` ${state.name} of ${state.service}, triggered ${longTime(state.time)}`,
      h("span", { class: "quiet" }, ` · context ${state.shkeptncontext}`)),
    controls(params, state, stages, onChanged, say),
    h("nav", { class: "stage-steps", "aria-label": "Stages of this run" }, h("ol", null, stages.map((stage) => {
      const stageState = (state.stages || []).find((s) => s.name === stage.name);
      const shown = stageState ? (stageState.state === "triggered" ? state.state : stageState.state) : "triggered";
      return h("li", null, h("a", { href: link("project", params.project, "sequence", params.context, "stage", stage.name), class: `chip ${tone(shown)}` },
        `${stage.name}: ${stateLabel(shown)}`));
    }))),
    stages.map((stage) => stageSection(params, state, stage, (state.stages || []).find((s) => s.name === stage.name), bounds, now, onChanged)),
  ];
}

export async function render(view, params, _query, { every }) {
  const body = await readProject(params.project);
  const load = async () => {
    const [states, events] = await Promise.all([
      readSequences(params.project, { keptnContext: params.context }),
      readEvents({ keptnContext: params.context }, 2000),
    ]);
    return { state: states[0], events: events.slice().reverse() };
  };
  const first = await load();
  view.append(h("h1", null, first.state ? `${first.state.name} of ${first.state.service}` : "Sequence"));
  if (!first.state) {
    view.append(empty(`No sequence with context ${params.context} in ${params.project}.`));
    return;
  }
  const region = h("div", { class: "live-region" });
  // Outside the refreshed region, so that what a button did stays said.
  const status = h("p", { class: "form-status", role: "status", id: "control-status" });
  const say = (text) => { status.textContent = text; };
  let latest = first.state;
  let endedAt = ACTIVE_STATES.has(latest.state) ? null : 0;
  const refresh = async () => {
    const next = await load();
    if (!next.state) return;
    latest = next.state;
    if (ACTIVE_STATES.has(latest.state)) endedAt = null;
    else if (endedAt === null) endedAt = Date.now();
    replaceKeeping(region, content(params, body, next.state, next.events, changed, say));
  };
  const changed = (_answer, text) => {
    if (text) say(text);
    refresh();
  };
  replaceKeeping(region, content(params, body, first.state, first.events, changed, say));
  view.append(status, region);
  if (params.stage) {
    const target = region.querySelector(`#stage-${CSS.escape(params.stage)}`);
    if (target) {
      target.tabIndex = -1;
      target.dataset.focus = "";
    }
  }
  // While the run is active, and a little after it ends (a chained stage starts a moment after
  // the previous one finished).
  every(2500, async () => {
    if (endedAt !== null && Date.now() - endedAt > 15000) return;
    await refresh();
  });
}
