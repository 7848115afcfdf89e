// The console's own script: small, no dependencies, served by the hub (the content security policy allows no
// inline script). Listeners sit on the document, so they keep working on content htmx swaps in.
(() => {
  /** A JSON payload is checked before it is sent: a bad edit never leaves the browser. */
  function checkJson(form) {
    const input = form.querySelector('[data-json-input]');
    if (!input) return true;
    const out = document.getElementById(input.getAttribute('aria-describedby'));
    try {
      JSON.parse(input.value);
      input.removeAttribute('aria-invalid');
      if (out) out.textContent = '';
      return true;
    } catch (error) {
      input.setAttribute('aria-invalid', 'true');
      if (out) out.textContent = `✗ Not valid JSON, nothing was sent: ${error.message}`;
      input.focus();
      return false;
    }
  }

  document.addEventListener(
    'submit',
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || form.dataset.json !== 'true') return;
      if (checkJson(form)) return;
      // Before htmx's own listener on the form (this one runs in the capture phase, at the document).
      event.preventDefault();
      event.stopImmediatePropagation();
    },
    true,
  );

  // Clears the message as soon as the JSON parses again.
  document.addEventListener('input', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLTextAreaElement) || !input.hasAttribute('data-json-input')) return;
    if (input.getAttribute('aria-invalid') !== 'true') return;
    try {
      JSON.parse(input.value);
      input.removeAttribute('aria-invalid');
      const out = document.getElementById(input.getAttribute('aria-describedby'));
      if (out) out.textContent = '';
    } catch {
      // still invalid: the message stays
    }
  });

  /** Select all: a header checkbox ticks every row's box of the same group; a row's box updates the header's. */
  document.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== 'checkbox') return;
    if (box.dataset.pickAll) {
      for (const row of document.querySelectorAll(`input[data-pick="${box.dataset.pickAll}"]`)) {
        row.checked = box.checked;
      }
      return;
    }
    if (box.dataset.pick) syncPickAll(box.dataset.pick);
  });

  function syncPickAll(group) {
    const all = document.querySelector(`input[data-pick-all="${group}"]`);
    if (!all) return;
    const rows = [...document.querySelectorAll(`input[data-pick="${group}"]`)];
    const ticked = rows.filter((r) => r.checked).length;
    all.checked = rows.length > 0 && ticked === rows.length;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }

  // A row the live stream adds is not ticked: the header's box must say so.
  document.addEventListener('htmx:sseMessage', () => syncPickAll('exceptions'));
})();
