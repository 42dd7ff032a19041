// A Likert screen's keyboard and draft handling.
//
// Only the documented keys change an answer: a number key scores the highlighted
// question, and Space picks the focused option (as on any form). Arrow keys move
// between questions and never touch an answer: the browser's own arrow handling of
// radio buttons, which silently checks the neighbouring option, is suppressed.
// Answers not sent yet are kept in localStorage, so a reload loses nothing.
"use strict";
(() => {
  const started = performance.now();
  const form = document.getElementById("task-form");
  const sets = Array.from(form.querySelectorAll("fieldset"));
  const prefix = "draft:" + form.dataset.draft.split("/")[0] + "/";
  const draftKey = "draft:" + form.dataset.draft;
  let active = 0;

  function highlight(index, moveFocus) {
    active = Math.max(0, Math.min(sets.length - 1, index));
    sets.forEach((set, i) => set.classList.toggle("active", i === active));
    if (moveFocus) {
      const set = sets[active];
      (set.querySelector("input:checked") || set.querySelector("input")).focus();
    }
  }

  function firstUnanswered() {
    const index = sets.findIndex((set) => !set.querySelector("input:checked"));
    return index === -1 ? sets.length - 1 : index;
  }

  function saveDraft() {
    const answers = {};
    for (const input of form.querySelectorAll("input[type=radio]:checked")) {
      answers[input.name] = input.value;
    }
    try {
      localStorage.setItem(draftKey, JSON.stringify(answers));
    } catch (error) {
      // Storage full or disabled: the page still works, only without drafts.
    }
  }

  function restoreDraft() {
    try {
      // Drafts of this rater's other screens were sent or are stale.
      for (let i = localStorage.length - 1; i >= 0; i--) {
        const key = localStorage.key(i);
        if (key.startsWith(prefix) && key !== draftKey) localStorage.removeItem(key);
      }
      const answers = JSON.parse(localStorage.getItem(draftKey) || "{}");
      for (const [name, value] of Object.entries(answers)) {
        const selector = `input[name="${CSS.escape(name)}"][value="${CSS.escape(String(value))}"]`;
        const input = form.querySelector(selector);
        if (input) input.checked = true;
      }
    } catch (error) {
      // A broken draft is dropped, never shown half-applied.
    }
  }

  restoreDraft();
  highlight(firstUnanswered(), false);
  sets.forEach((set, i) =>
    set.addEventListener("change", () => {
      saveDraft();
      highlight(i + 1, true);
    }),
  );
  sets.forEach((set, i) => set.addEventListener("focusin", () => highlight(i, false)));
  form.addEventListener("submit", () => {
    form.elements["response_ms"].value = Math.round(performance.now() - started);
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (/^[0-9]$/.test(key)) {
      event.preventDefault();
      const input = sets[active].querySelector(`input[type=radio][value="${key}"]`);
      if (input) {
        input.checked = true;
        saveDraft();
        highlight(active + 1, true);
      }
    } else if (key === "ArrowDown" || key === "ArrowUp") {
      event.preventDefault();
      highlight(active + (key === "ArrowDown" ? 1 : -1), true);
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      event.preventDefault();
    } else if (key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
