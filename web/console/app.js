// The examiner console: login, the queue, one case, and (admins, operators) the periods.
// Routes live in the hash: #/login, #/queue?filters, #/case/<id>, #/periods, #/stats, #/admin.

import { api, interrupted, logOut, staff } from "./api.js";
import { busy, clear, errorBox, field, h } from "../common/dom.js";
import * as caseView from "./case.js";
import * as officeAdmin from "./admin.js";
import { PAGES as officePages } from "./office.js";
import * as periods from "./periods.js";
import * as queue from "./queue.js";
import * as stats from "./stats.js";

const main = document.getElementById("app");
const ROLE_LABELS = { examiner: "审核员", admin: "管理员", operator: "运维人员" };

export const ctx = {
  catalogs: null,
  officeMajors: null, // the load of every period's majors, once signed in
  keys: {}, // the current view's keyboard shortcuts
  cleanups: [],
  lastQueue: null, // the rows of the last queue page, for j/k inside a case
  onLeave(fn) {
    ctx.cleanups.push(fn);
  },
};

function login(root) {
  const err = errorBox();
  const username = h("input", { name: "username", autocomplete: "username", autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password" });
  const go = h("button", { type: "submit", class: "btn primary", text: "登录" });
  const form = h(
    "form",
    { class: "panel login", id: "login" },
    h("h2", { text: "审核员登录" }),
    field("用户名", username),
    field("密码", password),
    err,
    go,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(go, "登录中…", async () => {
      const s = await api.post("/staff/login", { username: username.value.trim(), password: password.value });
      staff.session = { ...s, username: username.value.trim() };
      const back = interrupted({ take: true }); // someone else at this desk starts afresh
      location.hash = back?.username === staff.session.username ? back.hash : s.role === "operator" ? "#/periods" : "#/queue";
    }, err);
  });
  root.append(form);
  const back = interrupted();
  if (back) err.show({ message: `${back.message}（登录后回到刚才的页面）` });
  username.focus();
}

function header() {
  const s = staff.session;
  document.getElementById("nav").hidden = !s;
  document.getElementById("logout").hidden = !s;
  document.querySelector('[data-nav="queue"]').hidden = s?.role === "operator";
  document.querySelector('[data-nav="periods"]').hidden = s?.role === "examiner";
  document.querySelector('[data-nav="stats"]').hidden = s?.role === "examiner";
  document.querySelector('[data-nav="admin"]').hidden = s?.role !== "admin";
  for (const a of document.querySelectorAll("#nav a[data-roles]")) a.hidden = !a.dataset.roles.split(" ").includes(s?.role);
  const regions = s?.regions?.map((r) => ctx.catalogs.region[r]).join("、");
  document.getElementById("who").textContent = s ? `${s.username}（${ROLE_LABELS[s.role] || s.role}${regions ? `：${regions}` : ""}）` : "";
}

/** The majors the lists name and filter by: every period's as the newest names them (a major
 * an admin added, renamed), over the public catalog's seed table. Once per page, after sign-in. */
function officeMajors() {
  ctx.officeMajors ??= api
    .get("/office/majors")
    .then((majors) => {
      ctx.catalogs.major = majors;
    })
    .catch(() => {
      ctx.officeMajors = null; // the seed table meanwhile; asked again on the next page
    });
  return ctx.officeMajors;
}

async function route() {
  const hash = location.hash;
  if (staff.session) await officeMajors();
  if (location.hash !== hash) return; // moved on meanwhile: that route renders
  for (const fn of ctx.cleanups.splice(0)) fn();
  ctx.keys = {};
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  const s = staff.session;
  header();
  clear(main);
  if (!s || name === "login") {
    main.dataset.view = "login";
    return login(main);
  }
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("on", a.dataset.nav === name);
  if (name === "case" && rest[0]) {
    main.dataset.view = "case";
    return caseView.render(ctx, main, decodeURIComponent(rest.join("/")));
  }
  if (name === "stats" && s.role !== "examiner") {
    main.dataset.view = "stats";
    return stats.render(ctx, main);
  }
  if (name === "admin" && s.role === "admin") {
    main.dataset.view = "admin";
    return officeAdmin.render(ctx, main);
  }
  const office = officePages[name];
  if (office?.roles.includes(s.role)) {
    main.dataset.view = name;
    return office.render(ctx, main, rest, new URLSearchParams(query));
  }
  if (name === "periods" || s.role === "operator") {
    main.dataset.view = "periods";
    return periods.render(ctx, main);
  }
  main.dataset.view = "queue";
  return queue.render(ctx, main, new URLSearchParams(query));
}

function onKey(event) {
  const help = document.getElementById("keys-help");
  if (event.key === "Escape" && !help.hidden) return (help.hidden = true);
  const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") return (help.hidden = false);
  const action = ctx.keys[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
}

async function boot() {
  document.getElementById("logout").addEventListener("click", async () => {
    await logOut();
    location.hash = "#/login";
  });
  const help = document.getElementById("keys-help");
  document.getElementById("help").addEventListener("click", () => (help.hidden = false));
  help.querySelector("[data-close]").addEventListener("click", () => (help.hidden = true));
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  ctx.catalogs = await api.get("/catalogs");
  route();
}

boot();
