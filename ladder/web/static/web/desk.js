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

// Clocks and countdowns (no inline script: the CSP forbids it). Every second each
// [data-countdown] shows the time left until its parent's data-due; a clock
// ([data-clock]) turns amber (clock-warned) from its data-warn instant and red
// (clock-breached) with the words "Breached" at data-due. The words come from the
// page (data-*-label on the playbook panel), in the reader's language.
(function () {
  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400);
    var text = two(Math.floor((s % 86400) / 3600)) + ":" + two(Math.floor((s % 3600) / 60)) + ":" + two(s % 60);
    return (d ? d + "d " : "") + text;
  }
  function labels() {
    var panel = document.getElementById("playbook");
    var data = panel ? panel.dataset : {};
    return {
      breached: data.breachedLabel || "Breached",
      warned: data.warnedLabel || "Running out",
      left: data.leftLabel || "left",
      overdue: data.overdueLabel || "overdue by",
    };
  }
  function tick() {
    var now = Date.now();
    var words = labels();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var holder = el.closest("[data-due]");
      var due = holder ? Date.parse(holder.dataset.due) : NaN;
      if (isNaN(due)) {
        return;
      }
      var ms = due - now;
      el.textContent = ms >= 0 ? span(ms) + " " + words.left : words.overdue + " " + span(ms);
    });
    document.querySelectorAll("[data-clock][data-due]").forEach(function (clock) {
      var due = Date.parse(clock.dataset.due);
      var warn = clock.dataset.warn ? Date.parse(clock.dataset.warn) : NaN;
      var state = clock.querySelector("[data-state]");
      if (!isNaN(due) && now >= due && !clock.classList.contains("clock-breached")) {
        clock.classList.remove("clock-warned");
        clock.classList.add("clock-breached");
        if (state) {
          state.textContent = words.breached;
        }
      } else if (!isNaN(warn) && now >= warn && !clock.classList.contains("clock-breached") &&
                 !clock.classList.contains("clock-warned")) {
        clock.classList.add("clock-warned");
        if (state) {
          state.textContent = words.warned;
        }
      }
    });
  }
  tick();
  setInterval(tick, 1000);
})();

// Live handoff alerts (EB3): while signed in, ask the server every second what rings
// for this person; redraw only when that changes, so a button is never swapped away
// under the pointer. The unread count beside the bell follows along.
(function () {
  var region = document.getElementById("alerts");
  if (!region || !region.dataset.url || !window.fetch) {
    return;
  }
  var busy = false;
  var key = null;
  function poll() {
    if (busy) {
      return;
    }
    busy = true;
    fetch(region.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        if (data.key !== key) {
          key = data.key;
          region.innerHTML = data.html;
        }
        var count = document.getElementById("unread-count");
        if (count && String(data.unread) !== count.textContent) {
          count.textContent = String(data.unread);
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
      });
  }
  poll();
  setInterval(poll, 1000);
})();
