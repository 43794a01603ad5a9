// Bulk review: the submitted cases that need no one's eye (CHSI verified or not needed, no flag,
// no document to read), approved in one action. The API answers one line per case as it is
// decided; the page shows progress and lists each failure with its Chinese message.

import { api, staff, staffFetch } from "./api.js";
import { clear, errorBox, formatTime, h, select } from "../common/dom.js";
import { confirmDialog } from "./dialogs.js";
import { majorLabel } from "./labels.js";

async function* lines(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffered += decoder.decode(value || new Uint8Array(), { stream: !done });
    const parts = buffered.split("\n");
    buffered = parts.pop();
    for (const part of parts) if (part.trim()) yield JSON.parse(part);
    if (done) return;
  }
}

async function approveAll(ids, onLine) {
  const res = await staffFetch("/office/bulk-approve", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ application_ids: ids }),
  });
  for await (const line of lines(res)) onLine(line);
}

function filterBar(ctx, query) {
  const s = staff.session;
  const regions = Object.entries(ctx.catalogs.region).filter(([code]) => s.role === "admin" || s.regions.includes(code));
  const majors = ctx.catalogs.major.map((m) => [m.code, `${m.code} ${m.name}（${m.level_label}）`]);
  const controls = [select("region", regions, query.get("region") || "", "全部地区"), select("major", majors, query.get("major") || "", "全部专业")];
  for (const control of controls) {
    control.addEventListener("change", () => {
      const next = new URLSearchParams(controls.map((c) => [c.name, c.value]).filter(([, v]) => v));
      location.hash = `#/bulk?${next}`;
    });
  }
  return h("div", { class: "filters" }, controls);
}

export async function render(ctx, root, query) {
  const err = errorBox();
  const list = h("div", { class: "panel" }, h("p", { class: "loading", text: "正在加载…" }));
  const go = h("button", { type: "button", class: "btn good", id: "bulk-approve", text: "批量审核通过", disabled: true });
  const progress = h("progress", { id: "bulk-progress", max: 1, value: 0, hidden: true });
  const status = h("p", { id: "bulk-status", class: "muted" });
  const failures = h("ul", { id: "bulk-failures", class: "err-list" });
  root.append(
    h(
      "section",
      { class: "panel" },
      h("h2", { text: "批量审核" }),
      h("p", { class: "muted", text: "仅适用于学信网已核验（或无需核验）、无人工复核标记、无需查看证明材料的申请；其余申请请逐件审核。每件申请仍单独领取、审核并留痕。" }),
      filterBar(ctx, query),
      h("div", { class: "actions" }, go, progress),
      status,
      failures,
    ),
    err,
    list,
  );
  const filters = { region: query.get("region") || "", major: query.get("major") || "" };
  const page = await api.get("/examiner/applications", { status: "SUBMITTED", manual: "false", size: 200, ...filters }).catch((e) => err.show(e));
  if (!page) return clear(list);
  const boxes = page.rows.map((r) => h("input", { type: "checkbox", value: r.application_id, "aria-label": r.name }));
  const all = h("input", { type: "checkbox", id: "bulk-all", "aria-label": "全选" });
  const chosen = () => boxes.filter((b) => b.checked && b.isConnected); // approved rows lose theirs
  const sync = () => {
    const n = chosen().length;
    go.disabled = n === 0;
    go.textContent = n ? `批量审核通过（${n} 件）` : "批量审核通过";
  };
  all.addEventListener("change", () => {
    for (const b of boxes) b.checked = all.checked && b.isConnected;
    sync();
  });
  for (const b of boxes) b.addEventListener("change", sync);
  clear(
    list,
    h(
      "table",
      { class: "grid", id: "bulk-list" },
      h("thead", {}, h("tr", {}, h("th", {}, all), ["姓名", "证件号码", "地区", "专业", "提交时间"].map((t) => h("th", { text: t })))),
      h(
        "tbody",
        {},
        page.rows.length
          ? page.rows.map((r, i) =>
              h("tr", { "data-id": r.application_id }, h("td", {}, boxes[i]), h("td", { text: r.name }), h("td", { class: "mono", text: r.id_number }), h("td", { text: ctx.catalogs.region[r.region] || "" }), h("td", { text: majorLabel(ctx, r) }), h("td", { text: formatTime(r.submitted_at) })),
            )
          : h("tr", {}, h("td", { colspan: 6, class: "empty", text: "没有待审核的申请" })),
      ),
    ),
  );
  // an approval is not undone, and here it is many at once: asked first, as a single one is
  go.addEventListener("click", () => confirmDialog(`确认批量审核通过已勾选的 ${chosen().length} 件申请？审核通过后不能撤销。`, approveChosen));
  const approveChosen = async () => {
    const ids = chosen().map((b) => b.value);
    const names = Object.fromEntries(page.rows.map((r) => [r.application_id, `${r.name} ${r.id_number}`]));
    go.disabled = true;
    err.hide();
    clear(failures);
    Object.assign(progress, { max: ids.length, value: 0, hidden: false });
    let approved = 0;
    try {
      await approveAll(ids, (line) => {
        if (line.done) {
          status.textContent = `完成：通过 ${line.approved} 件，未通过 ${line.failed} 件`;
          status.dataset.done = "true";
          return;
        }
        progress.value += 1;
        if (line.ok) approved += 1;
        else failures.append(h("li", { "data-id": line.application_id, text: `${names[line.application_id] || line.application_id}：${line.message}` }));
        status.textContent = `已处理 ${progress.value} / ${ids.length}，通过 ${approved} 件`;
        const row = list.querySelector(`tr[data-id="${CSS.escape(line.application_id)}"]`);
        row?.classList.add(line.ok ? "done" : "failed");
        if (line.ok) row?.querySelector("input")?.remove();
      });
    } catch (e) {
      err.show(e);
    } finally {
      sync();
    }
  };
}
