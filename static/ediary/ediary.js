// ediary's small scripts, served from our own static files (the CSP allows no inline scripts).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("[data-autosubmit]")) {
    field.form.requestSubmit();
  }
});
