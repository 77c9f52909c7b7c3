// Integrations: what is subscribed to what in a project (the uniform API: the uniform's services
// and the registered integrations' subscriptions, how each is delivered, the tasks nothing would
// carry out), the integrations registered for the project (last seen, subscriptions) and the
// errors they reported. Refreshed every 10 s: heartbeats and errors arrive by themselves.

import { enc, optional } from "../api.js";
import { badge, empty, h, notAvailable, replaceKeeping } from "../dom.js";
import { ago, longTime } from "../format.js";
import { link } from "../routes.js";

const ERRORS_PER_INTEGRATION = 10;

const shortEvent = (type) => (type || "").replace(/^sh\.keptn\.event\./, "");

/** An integration's subscription reaches this project when its project filter is empty or
 *  names it (the uniform API lists every integration's). */
function reaches(subscription, projectName) {
  const projects = (subscription.filter || {}).projects || [];
  return !projects.length || projects.includes(projectName);
}

/** Which events of its type it takes: its stage and service filters, and its selector. */
function scopeText(subscription) {
  const filter = subscription.filter || {};
  const parts = ["stages", "services"]
    .filter((key) => (filter[key] || []).length)
    .map((key) => `${key} ${filter[key].join(", ")}`);
  const selector = subscription.selector || {};
  parts.push(...Object.entries(selector.matchLabels || {}).map(([key, value]) => `${key}=${value}`));
  parts.push(...(selector.matchExpressions || [])
    .map((e) => `${e.key} ${e.operator} ${(e.values || []).join(", ")}`.trim()));
  return parts.join("; ") || "all";
}

function delivery(subscription) {
  if (subscription.kind === "http-poll") return h("span", null, "it polls the API");
  if (subscription.kind === "webhook" && subscription.target.startsWith("webhook.yaml")) {
    return h("span", null, "webhook.yaml entries");
  }
  return subscription.rule
    ? h("span", { title: subscription.rule }, "rule on the bus")
    : badge("not applied", "fail");
}

function appliedLine(state) {
  const applied = state.applied;
  if (!applied) return h("p", { class: "applied" }, badge("not applied yet", "active"), ` commit ${state.commitID}`);
  const behind = applied.commitID !== state.commitID;
  return h("p", { class: "applied" },
    badge(behind ? "applying" : applied.state, applied.errors.length ? "fail" : behind ? "active" : "pass"),
    ` commit ${state.commitID}`, behind ? ` (the bus has commit ${applied.commitID || "none"})` : "",
    ", applied ", h("time", { datetime: applied.time, title: longTime(applied.time) }, ago(applied.time)));
}

/** A wide table scrolls in its own box at phone width, reachable by keyboard. */
function scrolling(label, table) {
  return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label }, table);
}

function subscriptionsTable(subscriptions) {
  if (!subscriptions.length) return empty("Nothing is subscribed to this project's events.");
  return scrolling("Subscriptions", h("table", { class: "subscriptions" },
    h("caption", { class: "visually-hidden" }, "Subscriptions: who receives which events"),
    h("thead", null, h("tr", null, ["Service", "Event", "Kind", "Target", "For", "Delivery"]
      .map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, subscriptions.map((s) => h("tr", { dataset: { owner: s.owner, event: s.event } },
      h("th", { scope: "row" }, s.owner, s.origin === "integration" ? h("span", { class: "quiet" }, " (registered)") : null),
      h("td", null, h("code", { title: s.event }, shortEvent(s.event))),
      h("td", null, s.kind),
      h("td", null, h("code", null, s.target)),
      h("td", null, scopeText(s)),
      h("td", null, delivery(s)))))));
}

function uniformSection(projectName, state) {
  if (state === null) return [notAvailable("The uniform API")];
  const subscriptions = state.subscriptions.filter((s) => s.origin === "uniform" || reaches(s, projectName));
  if (!state.commitID) {
    return [empty("This project has no uniform: its tools subscribe themselves, and a task nobody answers waits for its deadline.",
      h("p", null, "Apply one with ", h("code", null, `qm apply uniform uniform.yaml --project ${projectName}`), ".")),
    subscriptions.length ? subscriptionsTable(subscriptions) : null];
  }
  return [
    h("p", null, "Uniform ", h("strong", null, state.name)), appliedLine(state),
    state.applied && state.applied.errors.length
      ? h("ul", { class: "apply-errors" }, state.applied.errors.map((error) => h("li", null, badge("not applied", "fail"), ` ${error}`)))
      : null,
    h("h3", null, "Subscriptions"), subscriptionsTable(subscriptions),
    h("h3", null, "Tasks without an executor"),
    state.uncovered.length
      ? h("ul", { class: "uncovered" }, state.uncovered.map((gap) => h("li", null, badge("no executor", "fail"), ` ${gap}`)))
      : h("p", { class: "covered" }, "Every task of the shipyard has an executor."),
  ];
}

function subscriptionList(integration) {
  return h("ul", { class: "plain" }, (integration.subscriptions || []).map((s) => {
    const scope = scopeText(s);
    return h("li", null, h("code", null, shortEvent(s.event)), scope === "all" ? null : h("span", { class: "quiet" }, ` (${scope})`));
  }));
}

function registrations(list, logs) {
  if (!list.length) return empty("No integration has registered for this project.");
  return scrolling("Registered integrations", h("table", { class: "integrations" },
    h("caption", { class: "visually-hidden" }, "Registered integrations"),
    h("thead", null, h("tr", null, ["Name", "Version", "Host", "Location", "Last seen", "Subscriptions", "Errors"]
      .map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, list.map((integration) => {
      const meta = integration.metadata || {};
      const namespace = (meta.kubernetesmetadata || {}).namespace;
      const errors = logs && logs.get(integration.id);
      return h("tr", { dataset: { integration: integration.id } },
        h("th", { scope: "row" }, integration.name),
        h("td", null, meta.integrationversion || ""),
        h("td", null, meta.hostname || "", namespace ? h("span", { class: "quiet" }, ` (namespace ${namespace})`) : null),
        h("td", null, meta.location || ""),
        h("td", { class: "last-seen" }, meta.lastseen
          ? h("time", { datetime: meta.lastseen, title: longTime(meta.lastseen) }, ago(meta.lastseen)) : "never"),
        h("td", null, subscriptionList(integration)),
        h("td", { class: "error-count" }, !errors ? "" : errors.total ? badge(`${errors.total}`, "fail", "errors reported") : "none"));
    }))));
}

function errorLog(projectName, list, logs) {
  if (logs === null) return notAvailable("The integrations' error log");
  const names = new Map(list.map((integration) => [integration.id, integration.name]));
  const entries = [...logs.values()].flatMap((found) => found.entries)
    .sort((a, b) => (b.time || "").localeCompare(a.time || ""));
  if (!entries.length) return empty("No integration of this project reported an error.");
  return h("ul", { class: "error-log" }, entries.map((entry) => h("li", { dataset: { integration: entry.integrationid } },
    badge("error", "fail"), " ", h("time", { datetime: entry.time }, longTime(entry.time)), " ",
    h("strong", null, names.get(entry.integrationid) || entry.integrationid), " ",
    entry.task ? h("code", null, entry.task) : null, " ", h("span", { class: "message" }, entry.message || ""), " ",
    entry.shkeptncontext
      ? h("a", { href: link("project", projectName, "sequence", entry.shkeptncontext) }, `run ${entry.shkeptncontext.slice(0, 8)}`)
      : null)));
}

/** Each integration's newest errors and how many it reported; null where the log is not served. */
async function errorsOf(list) {
  const pages = await Promise.all(list.map((integration) => optional("/v1/log",
    { query: { integrationId: integration.id, pageSize: ERRORS_PER_INTEGRATION } })));
  if (pages.some((page) => page === null)) return null;
  return new Map(list.map((integration, n) => [integration.id,
    { total: pages[n].totalCount || 0, entries: pages[n].logs || [] }]));
}

async function read(projectName) {
  const [state, registered] = await Promise.all([
    optional(`/v1/project/${enc(projectName)}/uniform`),
    optional("/v1/uniform/registration", { query: { project: projectName } }),
  ]);
  // Keptn's listing: a bare array.
  return { state, list: registered, logs: registered === null ? null : await errorsOf(registered) };
}

function sections(projectName, { state, list, logs }) {
  return [
    h("h2", null, "Who carries out what"), ...uniformSection(projectName, state),
    h("h2", null, "Registered integrations"),
    list === null ? notAvailable("Registered integrations") : registrations(list, logs),
    h("h2", null, "Errors reported by integrations"),
    list === null ? notAvailable("The integrations' error log") : errorLog(projectName, list, logs),
  ];
}

export async function render(view, params, _query, { every }) {
  const region = h("div", { class: "live-region" }, sections(params.project, await read(params.project)));
  view.append(h("h1", null, `${params.project}: integrations`), region);
  every(10000, async () => replaceKeeping(region, sections(params.project, await read(params.project))));
}
