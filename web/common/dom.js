// Building elements without innerHTML: every text a user or the API supplies stays text.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** An error box showing the API's Chinese message (and a list of details when there are some). */
export function errorBox() {
  const box = h("div", { class: "err", role: "alert", hidden: true });
  box.show = (err, extra = []) => {
    const bug = err instanceof TypeError || err instanceof ReferenceError;
    if (bug) console.error(err); // a bug of the page, not a refusal: no English to the user
    const message = bug ? "页面出错，请刷新后重试" : err.message || String(err);
    clear(box, h("p", { class: "err-msg", text: message }), extra);
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  };
  box.hide = () => {
    box.hidden = true;
    clear(box);
  };
  return box;
}

/** Runs `work` with the button disabled and a busy label; errors go to `box`. */
export async function busy(button, label, work, box) {
  const original = button.textContent;
  button.disabled = true;
  button.textContent = label;
  box?.hide();
  try {
    return await work();
  } catch (err) {
    if (box) box.show(err);
    else throw err;
  } finally {
    button.disabled = false;
    button.textContent = original;
  }
}

export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "label", text: label }), control, hint ? h("small", { text: hint }) : null);
}

export function select(name, entries, value, placeholder = "请选择") {
  return h(
    "select",
    { name },
    h("option", { value: "", text: placeholder }),
    entries.map(([code, label]) => h("option", { value: code, text: label, selected: code === value })),
  );
}

export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
