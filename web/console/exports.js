// Exports for admins and operators: approved candidates with their 准考证号 (CSV, Excel) and the
// photo package named by ticket number. Downloads go through the API with the bearer token;
// every download is recorded on the server (who, when, which filter, how many rows).

import { staffFetch } from "./api.js";
import { busy, errorBox, h, select } from "../common/dom.js";

async function download(path, params, fallbackName) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  const res = await staffFetch(`/office/${path}?${query}`);
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") || "")?.[1] || fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function render(ctx, root) {
  const err = errorBox();
  const period = h("input", { name: "period", placeholder: "考期，如 2026-2", "aria-label": "考期", size: 16 });
  const region = select("region", Object.entries(ctx.catalogs.region), "", "全部地区");
  const major = select("major", ctx.catalogs.major.map((m) => [m.code, `${m.code} ${m.name}（${m.level_label}）`]), "", "全部专业");
  const filters = () => ({ period: period.value.trim(), region: region.value, major: major.value });
  const button = (id, text, path, name) => {
    const b = h("button", { type: "button", class: "btn", id, text });
    b.addEventListener("click", () => busy(b, "正在导出…", () => download(path, filters(), name), err));
    return b;
  };
  root.append(
    h(
      "section",
      { class: "panel" },
      h("h2", { text: "数据导出" }),
      h("p", { class: "muted", text: "审核通过的考生名单（含准考证号）及以准考证号命名的寸照包。导出内容含个人信息，仅用于考务工作；每次导出均留存记录。" }),
      h("div", { class: "filters" }, period, region, major),
      h(
        "div",
        { class: "actions" },
        button("export-csv", "导出名单（CSV）", "exports/approved.csv", "approved.csv"),
        button("export-xlsx", "导出名单（Excel）", "exports/approved.xlsx", "approved.xlsx"),
        button("export-photos", "导出寸照包（ZIP）", "exports/photos.zip", "photos.zip"),
      ),
      h("p", { class: "muted", text: "湖南自考服务平台通过接口 GET /api/v1/office/feed/candidates 按准考证号分页获取，见接口文档。" }),
    ),
    err,
  );
}
