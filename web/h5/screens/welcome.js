// R1 (the window) and R2 (registration by phone + SMS code + ID), and the returning candidate's login.

import { api, session } from "../api.js";
import { busy, clear, errorBox, field, formatTime, h, select } from "../../common/dom.js";

function codeButton(ctx, send) {
  const button = h("button", { type: "button", class: "secondary small shrink", id: "send-code", text: "获取验证码" });
  let timer = null;
  const countdown = (seconds) => {
    let left = seconds;
    button.disabled = true;
    const tick = () => {
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = "重新获取";
        return;
      }
      button.textContent = `${left--} 秒后重发`;
    };
    tick();
    timer = setInterval(tick, 1000);
  };
  ctx.onLeave(() => clearInterval(timer));
  button.addEventListener("click", async () => {
    const seconds = await busy(button, "发送中…", send);
    if (seconds !== undefined) countdown(seconds);
  });
  return button;
}

function registerForm(ctx) {
  const err = errorBox();
  const sent = h("p", { class: "ok", hidden: true });
  const idType = select("id_type", Object.entries(ctx.catalogs.id_type), "resident_id", "证件类型");
  const idNumber = h("input", { name: "id_number", autocomplete: "off", maxlength: 20, placeholder: "请输入证件号码" });
  const phone = h("input", { name: "phone", type: "tel", inputmode: "numeric", maxlength: 11, placeholder: "请输入手机号码" });
  const code = h("input", { name: "code", inputmode: "numeric", maxlength: 6, placeholder: "6 位验证码", autocomplete: "one-time-code" });
  let applicationId = null;
  const send = codeButton(ctx, async () => {
    err.hide();
    try {
      const r = await api.post("/candidate/register", {
        id_type: idType.value || "resident_id",
        id_number: idNumber.value.trim(),
        phone: phone.value.trim(),
      });
      applicationId = r.application_id;
      // within the cooldown the code sent before is the one to type, unless it is spent
      const wait = r.code_sent.resend_after_s;
      sent.textContent = r.new_code
        ? `验证码已发送至 ${r.code_sent.phone_masked}`
        : r.code_live === false
          ? `稍早发送的验证码已使用或已锁定，请于 ${wait} 秒后重新获取`
          : `验证码已于稍早发送至 ${r.code_sent.phone_masked}，请查收；${wait} 秒后可重新获取`;
      sent.hidden = false;
      return r.code_sent.resend_after_s;
    } catch (e) {
      err.show(e);
      return undefined;
    }
  });
  const next = h("button", { type: "submit", class: "primary", id: "register-next", text: "下一步" });
  return h(
    "form",
    {
      id: "register",
      onsubmit: async (event) => {
        event.preventDefault();
        if (!applicationId) return err.show({ message: "请先获取验证码" });
        await busy(next, "验证中…", async () => {
          const r = await api.post("/candidate/verify", { application_id: applicationId, code: code.value.trim() });
          session.adopt(r);
          ctx.adopt(r.application);
        }, err);
      },
    },
    field("证件类型", idType),
    field("证件号码", idNumber),
    field("手机号码", phone),
    h("div", { class: "field" }, h("span", { class: "label", text: "短信验证码" }), h("div", { class: "row" }, code, send)),
    sent,
    err,
    next,
  );
}

function loginForm(ctx) {
  const err = errorBox();
  const phone = h("input", { name: "phone", type: "tel", inputmode: "numeric", maxlength: 11, placeholder: "报名时的手机号码" });
  const code = h("input", { name: "code", inputmode: "numeric", maxlength: 6, placeholder: "6 位验证码" });
  const send = codeButton(ctx, async () => {
    err.hide();
    try {
      return (await api.post("/candidate/login/code", { phone: phone.value.trim() })).resend_after_s;
    } catch (e) {
      err.show(e);
      return undefined;
    }
  });
  const go = h("button", { type: "submit", class: "primary", text: "登录" });
  return h(
    "form",
    {
      id: "login",
      onsubmit: async (event) => {
        event.preventDefault();
        await busy(go, "登录中…", async () => {
          const r = await api.post("/candidate/login", { phone: phone.value.trim(), code: code.value.trim() });
          session.adopt(r);
          ctx.adopt(r.application);
        }, err);
      },
    },
    field("手机号码", phone),
    h("div", { class: "field" }, h("span", { class: "label", text: "短信验证码" }), h("div", { class: "row" }, code, send)),
    err,
    go,
  );
}

/** When the window opens and closes (the next one while none is open), and review ends. */
function periodDates(period) {
  if (!period?.opens_at) return null;
  return h(
    "p",
    { class: "muted", id: "period-dates" },
    `${period.open ? "本次" : "下次"}入籍时间：${formatTime(period.opens_at)} 至 ${formatTime(period.closes_at)}；审核截止：${formatTime(period.review_deadline)}`,
  );
}

export function render(ctx, root) {
  const open = ctx.period?.open;
  const body = h("div");
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const show = (which) => {
    for (const b of tabs.children) b.classList.toggle("on", b.dataset.tab === which);
    clear(body, which === "register" ? registerForm(ctx) : loginForm(ctx));
  };
  if (open) {
    tabs.append(
      h("button", { type: "button", "data-tab": "register", text: "新生入籍", onclick: () => show("register") }),
      h("button", { type: "button", "data-tab": "login", text: "已报名登录", onclick: () => show("login") }),
    );
  }
  root.append(
    ...[
      open
        ? null
        : h(
          "div",
          { class: "card closed", id: "window-closed" },
          h("p", { class: "big", role: "alert", text: ctx.period?.message || "非新生入籍时间，请等待入籍考期开启！" }),
          periodDates(ctx.period),
          h("p", { class: "muted", text: "已提交入籍申请的考生可登录查看审核进度和准考证号。" }),
        ),
      h("section", { class: "card" }, h("h2", { text: open ? "新考生入籍" : "考生登录" }), open ? periodDates(ctx.period) : null, tabs, body),
    ].filter(Boolean),
  );
  show(open ? "register" : "login");
}
