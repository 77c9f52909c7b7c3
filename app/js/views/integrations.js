// Integrations: the tools the project's uniform.yaml declares, the integrations registered with
// the control plane (last seen, subscriptions) and their error log.

import { api, ApiError, enc, optional } from "../api.js";
import { badge, empty, h, notAvailable } from "../dom.js";
import { ago, decodeBase64, longTime } from "../format.js";
import { link } from "../routes.js";

async function uniform(projectName) {
  try {
    const resource = await api(`/v1/project/${enc(projectName)}/resource/uniform.yaml`);
    const { load } = await import("../../vendor/js-yaml/js-yaml.esm.min.mjs");
    return load(decodeBase64(resource.resourceContent || "")) || {};
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

function selectorText(selector) {
  if (!selector) return "";
  const labels = Object.entries(selector.matchLabels || {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector.matchExpressions || []).map((e) => `${e.key} ${e.operator} ${(e.values || []).join(",")}`);
  return [...labels, ...expressions].join(", ");
}

function uniformTools(document) {
  const services = (document && document.spec && document.spec.services) || [];
  if (!services.length) return empty("This project's uniform.yaml declares no tool.");
  return h("ul", { class: "cards tools" }, services.map((service) => h("li", { class: "card" },
    h("h3", null, service.name), h("p", null, h("code", null, service.image || "")),
    h("ul", { class: "subscriptions" }, (service.events || []).map((event) => h("li", null,
      h("code", null, event.name), event.selector ? h("span", { class: "quiet" }, ` where ${selectorText(event.selector)}`) : null))))));
}

function subscriptionText(subscription) {
  const filter = subscription.filter || {};
  const scope = ["projects", "stages", "services"]
    .filter((key) => (filter[key] || []).length)
    .map((key) => `${key}: ${filter[key].join(", ")}`)
    .join("; ");
  return [h("code", null, subscription.event), scope ? h("span", { class: "quiet" }, ` (${scope})`) : null];
}

function registrations(list) {
  if (!list.length) return empty("No integration has registered with this installation.");
  return h("div", { class: "table-scroll" }, h("table", null,
    h("caption", { class: "visually-hidden" }, "Registered integrations"),
    h("thead", null, h("tr", null, ["Name", "Version", "Host", "Location", "Last seen", "Subscriptions"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, list.map((integration) => {
      const meta = integration.metadata || {};
      return h("tr", null,
        h("td", null, integration.name),
        h("td", null, meta.integrationversion || ""),
        h("td", null, meta.hostname || ""),
        h("td", null, meta.location || ""),
        h("td", { title: longTime(meta.lastseen) }, meta.lastseen ? ago(meta.lastseen) : ""),
        h("td", null, h("ul", { class: "subscriptions" }, (integration.subscriptions || []).map((s) => h("li", null, subscriptionText(s))))));
    }))));
}

function errors(projectName, logs, names) {
  if (!logs.length) return empty("No integration reported an error.");
  return h("ul", { class: "error-log" }, logs.map((entry) => h("li", null,
    badge("error", "fail"), ` ${longTime(entry.time)} `,
    h("strong", null, names.get(entry.integrationid) || entry.integrationid || "an integration"), " ",
    entry.task ? h("code", null, entry.task) : null, ` ${entry.message || ""} `,
    entry.shkeptncontext
      ? h("a", { href: link("project", projectName, "sequence", entry.shkeptncontext) }, "the run")
      : null)));
}

/** Keptn's registration listing is a bare array. */
function integrationsOf(answer) {
  return Array.isArray(answer) ? answer : answer.integrations || [];
}

export async function render(view, params) {
  const [document, registered, log] = await Promise.all([
    uniform(params.project),
    optional("/v1/uniform/registration", { query: { project: params.project } }),
    optional("/v1/log", { query: { pageSize: 50 } }),
  ]);
  view.append(h("h1", null, `${params.project}: integrations`),
    h("h2", null, "Tools in the uniform"),
    document === null
      ? empty("This project has no uniform.yaml.", h("p", null, "Add one with ",
        h("code", null, `qm add-resource --project ${params.project} --resource uniform.yaml --resourceUri uniform.yaml`), "."))
      : uniformTools(document),
    h("h2", null, "Registered integrations"),
    registered === null ? notAvailable("Registered integrations") : registrations(integrationsOf(registered)),
    h("h2", null, "Errors reported by integrations"),
    log === null ? notAvailable("The integrations' error log")
      : errors(params.project, log.logs || [],
        new Map(integrationsOf(registered || []).map((integration) => [integration.id, integration.name]))));
}
