// R6: 《新生入籍须知》, the commitment tick, then 「去入籍」.

import { api } from "../api.js";
import { busy, errorBox, h } from "../../common/dom.js";

const NOTICE = [
  "一、新考生入籍须在我省规定的入籍时间内，由本人凭有效居民身份证等证件办理，不得由他人代办。",
  "二、考生上传的个人寸照将用于准考证、毕业证书及其他业务，须为本人近期电子证件照，并符合《图像采集规范及信息标准》。不符合要求的照片会影响考试及毕业，由此造成的后果由考生自行承担。",
  "三、报考专升本（本科）专业的考生须通过学信网校验专科及以上学籍或学历；校验失败的，须上传相关证明材料，由审核人员人工审核。",
  "四、非本省户籍考生须符合以下条件之一：（1）在我省工作，提供我省工作证明和我省社保管理部门出具的个人参保证明（缴纳时间3个月以上）；（2）在我省学习，提供我省各类学校在读证明或《教育部学籍在线验证报告》；（3）在我省居住，提供有效的《居住证》或其他在我省居住的相关证明。不符合条件的不予入籍。",
  "五、报考限制性专业的考生须符合该专业的报考条件并上传相应证明材料。在考试任何环节发现报考者不符合报考条件的，该考生不论何种原因，都要承担不被承认考试结果、不被受理毕业申请的后果。",
  "六、入籍申请提交后、审核开始前，考生可在「我的考籍信息」中修改；审核开始后不能修改。",
  "七、入籍审核通过后，于审核截止时间后生成准考证号，考生凭准考证号登录「湖南自考服务平台」选择专业课程报考。",
  "八、考生须保证所填信息和所传材料真实、准确、完整。弄虚作假的，一经查实，取消入籍资格，并按有关规定处理。",
];

export function render(ctx, root) {
  const err = errorBox();
  const tick = h("input", { type: "checkbox", id: "notice-agree" });
  const go = h("button", { type: "button", class: "primary", id: "notice-go", text: "去入籍", disabled: true });
  tick.addEventListener("change", () => {
    go.disabled = !tick.checked;
  });
  go.addEventListener("click", () => busy(go, "请稍候…", async () => ctx.adopt(await api.post("/me/notice/accept")), err));
  root.append(
    h(
      "section",
      { class: "card" },
      h("h2", { text: "新生入籍须知" }),
      h("div", { class: "notice-text", tabindex: 0 }, NOTICE.map((p) => h("p", { text: p }))),
      h("label", { class: "tick" }, tick, "承诺书我已阅读，并同意所有条款"),
      err,
      go,
    ),
  );
}
