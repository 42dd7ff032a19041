// Every rating screen's keyboard and drafts, with one key map for Likert and A/B alike.
//
// A screen is a form of questions (fieldsets) whose options carry their answer key
// (`data-key`: a score's digit, or A, B, T). An answer key answers the highlighted
// question and moves the highlight on; once every question below has an answer the
// highlight rests on Next, where answer keys do nothing, so a stray key never
// overwrites an answer: go back with Up to change one. Up and Down only move the
// highlight, Enter only sends, and Left and Right do nothing (the browser's own arrow
// handling of radio buttons, which silently checks the neighbouring option, is
// suppressed). Answers not sent yet are kept in localStorage, so a reload loses nothing.
"use strict";
(() => {
  const started = performance.now();
  const form = document.getElementById("task-form");
  const submit = document.getElementById("submit");
  const status = document.getElementById("key-status");
  const sets = Array.from(form.querySelectorAll("fieldset"));
  const prefix = "draft:" + form.dataset.draft.split("/")[0] + "/";
  const draftKey = "draft:" + form.dataset.draft;
  let active = 0;
  let sent = false;

  // `sets.length` stands for the Next button, past the last question.
  function highlight(index, moveFocus) {
    active = Math.max(0, Math.min(sets.length, index));
    sets.forEach((set, i) => set.classList.toggle("active", i === active));
    submit.classList.toggle("active", active === sets.length);
    status.textContent = "";
    if (!moveFocus) return;
    if (active === sets.length) {
      submit.focus();
    } else {
      const set = sets[active];
      (set.querySelector("input:checked") || set.querySelector("input")).focus();
    }
  }

  function firstUnanswered() {
    const index = sets.findIndex((set) => !set.querySelector("input:checked"));
    return index === -1 ? sets.length : index;
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
  submit.addEventListener("focusin", () => highlight(sets.length, false));
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
    const key = event.key.toLowerCase();
    if (/^[0-9a-z]$/.test(key)) {
      event.preventDefault();
      if (event.repeat) return;
      if (active === sets.length) {
        status.textContent = "Every question has an answer: Enter sends, ↑ goes back to change one.";
        return;
      }
      const input = sets[active].querySelector(`input[type=radio][data-key="${key}"]`);
      if (input) {
        input.checked = true;
        saveDraft();
        highlight(active + 1, true);
      }
    } else if (key === "arrowdown" || key === "arrowup") {
      event.preventDefault();
      highlight(active + (key === "arrowdown" ? 1 : -1), true);
    } else if (key === "arrowleft" || key === "arrowright") {
      event.preventDefault();
    } else if (key === "enter") {
      event.preventDefault();
      if (!event.repeat) form.requestSubmit();
    }
  });
})();
