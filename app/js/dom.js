// Building the page from data without innerHTML: every text from the API is a text node, so no
// field of an event can inject markup.

export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "style") {
      // CSSOM, which the page's style-src 'self' allows (a style attribute it would refuse).
      for (const [property, setting] of Object.entries(value)) element.style.setProperty(property, setting);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replace a region's content, keeping which <details> were open and where the focus was, so a
 *  live refresh does not close what a person opened or move them. Keys are data-key attributes. */
export function replaceKeeping(region, ...children) {
  const open = new Set(
    [...region.querySelectorAll("details[open][data-key]")].map((d) => d.dataset.key),
  );
  const focused = region.contains(document.activeElement)
    ? document.activeElement.dataset.key || document.activeElement.id
    : null;
  region.replaceChildren();
  append(region, children);
  for (const details of region.querySelectorAll("details[data-key]")) {
    if (open.has(details.dataset.key)) {
      details.open = true;
      details.dispatchEvent(new Event("toggle"));
    }
  }
  if (focused) {
    const again = region.querySelector(`[data-key="${CSS.escape(focused)}"]`) ||
      document.getElementById(focused);
    if (again) again.focus({ preventScroll: true });
  }
}

export function announce(text) {
  const announcer = document.getElementById("announcer");
  announcer.textContent = "";
  // A separate task, so that repeating the same text is announced again.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

export function loading(text = "Loading…") {
  return h("p", { class: "state loading", role: "status" }, text);
}

export function empty(text, ...more) {
  return h("div", { class: "state empty" }, h("p", null, text), ...more);
}

export function failure(error) {
  return h("div", { class: "state error", role: "alert" },
    h("p", null, h("strong", null, "Could not load this: "), error.message || String(error)));
}

export function notAvailable(what) {
  return h("div", { class: "state unavailable" },
    h("p", null, `${what}: not yet available on this installation.`));
}

export function badge(text, kind, label) {
  return h("span", { class: `badge ${kind || ""}`.trim(), title: label || null }, text);
}

export function download(filename, content, type = "application/octet-stream") {
  const isDataUrl = typeof content === "string" && content.startsWith("data:");
  const url = isDataUrl
    ? content
    : URL.createObjectURL(content instanceof Blob ? content : new Blob([content], { type }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  if (!isDataUrl) setTimeout(() => URL.revokeObjectURL(url), 1000);
}
