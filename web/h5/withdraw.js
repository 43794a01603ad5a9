// 「撤回申请」: in the header while the application can still be withdrawn (before review starts),
// always behind a confirmation that says what it means.

import { api } from "./api.js";
import { h } from "../common/dom.js";
import { confirmAction } from "./confirm.js";

/** States from which the workflow accepts a withdrawal (domain/case_rules.check_withdraw). */
const WITHDRAWABLE = ["REGISTERED", "ID_PENDING", "PHOTO_PENDING", "FACE_PENDING", "NOTICE_PENDING", "DRAFT", "SUBMITTED", "RETURNED"];

export function canWithdraw(view) {
  return Boolean(view) && WITHDRAWABLE.includes(view.state);
}

export function confirmWithdraw(ctx) {
  confirmAction(ctx, {
    id: "withdraw",
    title: "撤回入籍申请",
    lines: [
      h("p", { text: "撤回后本次入籍申请即结束，已填写的信息和上传的材料不再审核。如需入籍，须在入籍时间内重新注册并完成全部步骤。" }),
      h("p", { class: "muted", text: "确定要撤回吗？" }),
    ],
    confirm: "确认撤回",
    cancel: "暂不撤回",
    doing: "撤回中…",
    act: async (close) => {
      const view = await api.post("/me/withdraw");
      close();
      ctx.adopt(view, "mine");
    },
  });
}
