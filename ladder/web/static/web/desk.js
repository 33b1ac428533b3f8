// Ladder's only script of its own. htmx does the talking; this keeps keyboard users
// oriented: after htmx swaps in new content, focus moves to the element the server
// marked with data-focus (a form's first error, or the updated region).
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target.querySelector("[data-focus]") || null;
  if (target) {
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }
});
