// A pairwise screen's keys: A or Left for A, B or Right for B, T or Down for a tie.
// Letters work in either case; a held-down key submits once.
"use strict";
(() => {
  const started = performance.now();
  const form = document.getElementById("task-form");
  const keys = {
    a: "left", arrowleft: "left", b: "right", arrowright: "right", t: "tie", arrowdown: "tie",
  };
  let sent = false;
  form.addEventListener("submit", (event) => {
    if (sent) {
      event.preventDefault();
      return;
    }
    sent = true;
    form.elements["response_ms"].value = Math.round(performance.now() - started);
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const choice = keys[event.key.toLowerCase()];
    if (!choice) return;
    event.preventDefault();
    if (!event.repeat && !sent) form.requestSubmit(document.getElementById(`choose-${choice}`));
  });
})();
