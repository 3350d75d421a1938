// The catalog-entry form's small helpers. The form works without them (spare rows and an
// "增加空行" button); with them a clerk can add, remove and reorder item rows, paste rows
// copied from Excel, and sees which share/open fields the chosen values require.
(function () {
  "use strict";
  var table = document.getElementById("items-table");
  var form = document.getElementById("resource-form");
  if (!table || !form) return;
  var body = table.tBodies[0];

  function renumber() {
    Array.prototype.forEach.call(body.rows, function (row, i) {
      if (row.cells[0] && row.cells[0].classList.contains("num")) row.cells[0].textContent = String(i + 1);
    });
  }

  function blankRow() {
    var template = body.rows[body.rows.length - 1];
    var row = template.cloneNode(true);
    row.querySelectorAll("input").forEach(function (el) { el.value = ""; el.removeAttribute("aria-invalid"); });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    row.querySelectorAll(".error").forEach(function (el) { el.remove(); });
    row.querySelectorAll("td.invalid").forEach(function (el) { el.classList.remove("invalid"); });
    addTools(row);
    return row;
  }

  function button(text, label, handler) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "secondary"; b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", handler);
    return b;
  }

  function addTools(row) {
    var cell = row.querySelector("td.tools");
    if (!cell) return;
    cell.textContent = "";
    cell.appendChild(button("↑", "上移", function () {
      if (row.previousElementSibling) body.insertBefore(row, row.previousElementSibling);
      renumber();
    }));
    cell.appendChild(button("↓", "下移", function () {
      if (row.nextElementSibling) body.insertBefore(row.nextElementSibling, row);
      renumber();
    }));
    cell.appendChild(button("×", "删除此行", function () {
      if (body.rows.length > 1) row.remove(); else blankRow();
      renumber();
    }));
  }

  Array.prototype.forEach.call(body.rows, function (row) { if (row.querySelector("td.tools")) addTools(row); });
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  var more = document.getElementById("more-rows");
  if (more) {
    var add = button("增加一行", "增加一行信息项", function () { body.appendChild(blankRow()); renumber(); });
    add.id = "add-row";
    more.parentNode.insertBefore(add, more);
    more.hidden = true;
  }

  // Paste rows copied from Excel (tab-separated columns, one line a row) into the table,
  // starting at the cell that has the focus; rows are added as needed.
  function setValue(el, value) {
    if (!el) return;
    if (el.tagName === "SELECT") {
      var match = Array.prototype.find.call(el.options, function (o) {
        return o.value === value || o.textContent.trim() === value;
      });
      if (match) el.value = match.value;
    } else {
      el.value = value;
    }
  }

  table.addEventListener("paste", function (event) {
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text || (text.indexOf("\t") < 0 && text.indexOf("\n") < 0)) return;
    event.preventDefault();
    var lines = text.replace(/\r/g, "").split("\n").filter(function (l) { return l.trim() !== ""; });
    var start = event.target.closest("tr");
    var startCol = Array.prototype.indexOf.call(start.cells, event.target.closest("td"));
    var row = start;
    lines.forEach(function (line, i) {
      if (i > 0) {
        row = row.nextElementSibling;
        while (row && !row.querySelector("td.tools")) row = row.nextElementSibling;
        if (!row) { row = blankRow(); body.appendChild(row); }
      }
      line.split("\t").forEach(function (value, j) {
        var cell = row.cells[startCol + j];
        if (cell) setValue(cell.querySelector("input, select"), value.trim());
      });
    });
    renumber();
  });

  // Live field rules: which of the share/open fields the chosen values ask for.
  function byName(name) { return form.querySelector('[name="' + name + '"]'); }
  function show(name, visible, required) {
    var el = byName(name);
    if (!el) return;
    var field = el.closest(".field");
    field.hidden = !visible;
    var label = field.querySelector("label");
    var mark = label.querySelector(".req");
    if (required && !mark) {
      mark = document.createElement("abbr"); mark.className = "req"; mark.title = "必填"; mark.textContent = "*";
      label.appendChild(mark);
    } else if (!required && mark) {
      mark.remove();
    }
  }
  function rules() {
    var share = byName("share_type").value;
    var method = byName("share_method_class").value;
    var open = byName("open_type").value;
    var format = byName("format_class").value;
    show("share_condition", share !== "无条件共享", share === "有条件共享" || share === "不予共享");
    show("share_method_class", share !== "不予共享", share !== "不予共享" && share !== "");
    show("share_method_platform", share !== "不予共享" && method === "共享平台方式", method === "共享平台方式");
    show("open_condition", open === "有条件开放", open === "有条件开放");
    show("format_detail", true, format === "自描述格式" || format === "其他");
  }
  ["share_type", "share_method_class", "open_type", "format_class"].forEach(function (name) {
    var el = byName(name);
    if (el) el.addEventListener("change", rules);
  });
  rules();
})();
