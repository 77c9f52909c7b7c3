// The Bridge's shell: the router (deep links in the URL's fragment), the project navigation,
// live updates while a view shows active work, and the token prompt when the API refuses it.

import { api, AuthError, token } from "./api.js";
import { askForToken, ensureToken, showIdentity } from "./auth.js";
import { failure, h, loading } from "./dom.js";
import { link, parseRoute } from "./routes.js";

const VIEWS = {
  projects: () => import("./views/projects.js"),
  environment: () => import("./views/environment.js"),
  services: () => import("./views/services.js"),
  service: () => import("./views/service.js"),
  sequences: () => import("./views/sequences.js"),
  sequence: () => import("./views/sequence.js"),
  approvals: () => import("./views/approvals.js"),
  integrations: () => import("./views/integrations.js"),
};

const TABS = [
  ["environment", "Environment", ""],
  ["services", "Services", "/service"],
  ["sequences", "Sequences", "/sequence"],
  ["approvals", "Approvals", "/approval"],
  ["integrations", "Integrations", "/integration"],
];

let current = null; // { timers, stopped } of the view on screen

function projectNav(route) {
  const nav = document.getElementById("project-nav");
  const project = route.params.project;
  if (!project) {
    nav.replaceChildren();
    return;
  }
  const tabs = TABS.map(([view, label, suffix]) => {
    const active = route.view === view || (view === "services" && route.view === "service") ||
      (view === "sequences" && route.view === "sequence");
    return h("li", null, h("a", {
      href: link("project", project) + suffix,
      "aria-current": active ? "page" : null,
    }, label));
  });
  nav.replaceChildren(
    h("a", { class: "project-name", href: link("project", project) }, project),
    h("ul", null, tabs),
  );
}

function live(state) {
  /** Calls `refresh` every `ms` while the view is on screen and the tab is visible. */
  return (ms, refresh) => {
    let busy = false;
    const timer = setInterval(async () => {
      if (state.stopped || busy || document.hidden) return;
      busy = true;
      try {
        await refresh();
      } catch (error) {
        if (error instanceof AuthError) await reauthenticate(error);
      } finally {
        busy = false;
      }
    }, ms);
    state.timers.push(timer);
  };
}

async function reauthenticate(error) {
  stop();
  const reason = error.status === 403
    ? `${error.message}. The token expired or is not valid: enter a token again.`
    : "This installation needs an API token: enter one.";
  await askForToken(reason);
  await render();
}

function stop() {
  if (!current) return;
  current.stopped = true;
  current.timers.forEach(clearInterval);
  current = null;
}

async function render() {
  stop();
  const route = parseRoute(location.hash);
  const main = document.getElementById("main");
  const state = { timers: [], stopped: false };
  current = state;
  projectNav(route);
  main.replaceChildren(loading());
  if (route.view === "missing") {
    main.replaceChildren(failure(new Error("There is no such page in the Bridge.")));
    return;
  }
  try {
    await ensureToken();
    const module = await VIEWS[route.view]();
    if (state.stopped) return;
    const view = h("div", { class: "view" });
    await module.render(view, route.params, route.query, { every: live(state), route });
    if (state.stopped) return;
    main.replaceChildren(view);
    const heading = view.querySelector("h1");
    document.title = heading ? `${heading.textContent} · Quartermaster Bridge` : "Quartermaster Bridge";
  } catch (error) {
    if (state.stopped) return;
    if (error instanceof AuthError) {
      await reauthenticate(error);
      return;
    }
    main.replaceChildren(failure(error));
  }
}

function focusAfterNavigation(previousId) {
  // A control that changed the view (a filter, a picker) keeps the focus; a view may name
  // where the reader goes (data-focus); otherwise the reader's place is the new view.
  const main = document.getElementById("main");
  const again = previousId && document.getElementById(previousId);
  const target = (again && main.contains(again) && again) || main.querySelector("[data-focus]") || main;
  target.focus({ preventScroll: target === main });
}

window.addEventListener("hashchange", async () => {
  const previousId = document.activeElement && document.activeElement.id;
  await render();
  focusAfterNavigation(previousId);
});

window.addEventListener("bridge:refresh", () => render());

async function start() {
  if (token()) {
    // Who the token belongs to, alongside the first view (a refused token stops the view too,
    // which then asks for another).
    api("/v1/auth", { method: "POST" }).then((who) => showIdentity(who.identity), () => {});
  }
  await render();
}

start();
