// The teacher's journal: keyboard handling of the grid and the lesson panel (no inline scripts: CSP).
//
// A cell is one <input>. Enter saves a changed cell with htmx (POST to the cell's URL, built from the
// lesson of its column and the student of its row); the answer replaces the cell's content, and the
// new input keeps its id, so htmx gives the focus back to it. Escape undoes, the arrow keys move
// between cells, Tab moves as usual; a cell left with a change is saved too.
(function () {
  "use strict";

  const ZERO = "00000000-0000-0000-0000-000000000000";
  const ONES = "ffffffff-ffff-ffff-ffff-ffffffffffff";

  // The server answers a refused cell or panel with 422 and the cell or form showing the error.
  htmx.on("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  const isCell = (element) => element instanceof HTMLInputElement && element.closest(".journal-grid tbody td") !== null;

  function save(input) {
    if (input.readOnly || input.dataset.saving || input.value === input.defaultValue) {
      return;
    }
    const td = input.closest("td");
    const table = td.closest("table");
    const header = table.tHead.rows[0].cells[td.cellIndex];
    const url = table.dataset.cellUrl
      .replace(ZERO, header.dataset.lesson)
      .replace(ONES, td.parentElement.dataset.student);
    const values = { value: input.value, period: table.dataset.period };
    const workType = header.querySelector("select.work-type");
    if (workType) {
      values.work_type = workType.value;
    }
    input.dataset.saving = "1";
    input.setAttribute("aria-busy", "true");
    htmx.ajax("POST", url, { source: input, target: td, swap: "innerHTML", values: values });
  }

  function neighbour(input, key) {
    const td = input.closest("td");
    if (key === "ArrowLeft" || key === "ArrowRight") {
      const next = key === "ArrowLeft" ? td.previousElementSibling : td.nextElementSibling;
      return next && next.tagName === "TD" ? next.querySelector("input") : null;
    }
    const tr = td.parentElement;
    const row = key === "ArrowUp" ? tr.previousElementSibling : tr.nextElementSibling;
    const cell = row ? row.cells[td.cellIndex] : null;
    return cell ? cell.querySelector("input") : null;
  }

  function caretAtEdge(input, key) {
    if (key === "ArrowUp" || key === "ArrowDown" || input.selectionStart !== input.selectionEnd) {
      return true; // up and down always move; so does any arrow when the value is selected (as on focus)
    }
    return key === "ArrowLeft" ? input.selectionStart === 0 : input.selectionEnd === input.value.length;
  }

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!isCell(input) || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      save(input);
    } else if (event.key === "Escape") {
      // Back to what is saved; a refused value's message goes with it.
      input.value = input.dataset.saved ?? input.defaultValue;
      input.defaultValue = input.value;
      const error = input.parentElement.querySelector(".cell-error");
      if (error) {
        error.remove();
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
      input.select();
    } else if (event.key.startsWith("Arrow") && caretAtEdge(input, event.key)) {
      const next = neighbour(input, event.key);
      if (next) {
        event.preventDefault();
        next.focus(); // leaving a changed cell saves it (the change event below)
      }
    }
  });

  // A request that failed (the network, a server error) swapped nothing: the cell may be saved again.
  htmx.on("htmx:afterRequest", (event) => {
    const input = event.detail.elt;
    if (!event.detail.successful && isCell(input) && input.isConnected) {
      delete input.dataset.saving;
      input.removeAttribute("aria-busy");
      input.setAttribute("aria-invalid", "true");
    }
  });

  // A cell left with a change (Tab, an arrow, a click elsewhere) is saved.
  document.addEventListener("change", (event) => {
    if (isCell(event.target)) {
      save(event.target);
    }
  });

  // Focusing a cell selects its value: typing replaces it, as in a spreadsheet.
  document.addEventListener("focusin", (event) => {
    if (isCell(event.target)) {
      event.target.select();
    }
  });

  // The lesson panel: a modal dialog filled by htmx; the focus goes to its first field or its message.
  htmx.on("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (!target || target.id !== "lesson-panel") {
      return;
    }
    if (target instanceof HTMLDialogElement && !target.open) {
      target.showModal();
    }
    const focus = target.querySelector("[data-focus]") || target.querySelector("input, select, textarea, button");
    if (focus) {
      focus.focus();
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-close-dialog]");
    const dialog = button ? button.closest("dialog") : null;
    if (dialog) {
      dialog.close();
    }
  });
})();
