// Where the form step goes next: CHSI while it is pending, then missing attachments, then submit.

const HUNAN = "43";

export function nextDraftScreen(view) {
  if (!view.form) return "form";
  if (view.chsi_status === "pending") return "chsi";
  if (view.required_attachments.some((r) => !r.satisfied)) return "attachments";
  return "submit";
}

/** Whether the form as typed goes straight to submission: the first pass (the notice just
 * accepted, or a draft that waits for nothing), a 专科 major that is not restricted, a Hunan
 * household and no changed identity, so no CHSI check and no attachment can be asked. The form
 * is then saved by 「提交」 itself (issue #18); anything else, or in doubt, saves first. */
export function goesStraightToSubmit(ctx, form, noticeVersion) {
  const view = ctx.view;
  const firstPass = view.state === "DRAFT" || (view.state === "NOTICE_PENDING" && Boolean(noticeVersion));
  const waitsForNothing = view.chsi_status === "not_needed" && view.required_attachments.length === 0;
  const major = ctx.catalogs.major.find((m) => m.code === form.major);
  return (
    firstPass &&
    waitsForNothing &&
    major?.level === "zhuanke" &&
    !major.restricted &&
    form.household_province === HUNAN &&
    !form.identity_changed
  );
}
