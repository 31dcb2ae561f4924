// orgkit admin portal: progressive enhancement only. Buttons with data-copy="<element id>"
// copy that element's text; without JavaScript they stay hidden and the text is selectable.
(function () {
  "use strict";
  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(target.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { copy(b); });
    });
  });
})();
