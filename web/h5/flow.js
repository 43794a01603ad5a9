// Where the form step goes next: CHSI while it is pending, then missing attachments, then submit.

export function nextDraftScreen(view) {
  if (!view.form) return "form";
  if (view.chsi_status === "pending") return "chsi";
  if (view.required_attachments.some((r) => !r.satisfied)) return "attachments";
  return "submit";
}
