// 「退出所有设备」: in the header beside 「退出登录」, behind a confirmation that says when to use
// it (a lost phone, a shared or borrowed device) and what it costs (an SMS login on each device).

import { logOutEverywhere } from "./api.js";
import { h } from "../common/dom.js";
import { confirmAction } from "./confirm.js";

export function confirmSignOutEverywhere(ctx) {
  confirmAction(ctx, {
    id: "logout-all",
    title: "退出所有设备",
    lines: [
      h("p", { text: "手机丢失、或曾在他人的手机或电脑上登录时使用：所有设备上的登录都将结束（包括本机），其他设备随即无法继续操作。" }),
      h("p", { class: "muted", text: "入籍申请不受影响，再次使用时用手机号和短信验证码登录即可。" }),
    ],
    confirm: "全部退出",
    cancel: "取消",
    doing: "退出中…",
    act: async (close) => {
      await logOutEverywhere();
      close();
      ctx.signedOut();
    },
  });
}
