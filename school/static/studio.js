// The studio's lesson editor. Without this script the page is a plain form with a text box, and
// that is enough to write and save a lesson on a phone. With it:
// - a 预览 button shows the text as members will see it, rendered by the server's own
//   sanitising pipeline (never by the browser), so the preview cannot promise what the page
//   will not show;
// - 插入图片 / 上传视频或 PDF send a file to the course's files and put its Markdown in the text;
// - 从 Word 导入 converts a .docx on the server and puts the result in the text box, listing what
//   could not be converted;
// - on a wide screen with a mouse, the vendored EasyMDE editor (toolbar, side-by-side preview).
(function () {
  "use strict";
  var box = document.querySelector(".editor");
  if (!box) return;
  var form = box.closest("form");
  var textarea = box.querySelector("textarea");
  var previewButton = box.querySelector("[data-action=preview]");
  var previewPane = box.querySelector(".editor-preview");
  var tools = box.querySelector(".editor-tools");
  var editor = null;

  function csrf() {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }
  function text() { return editor ? editor.value() : textarea.value; }
  function setText(value) {
    if (editor) editor.value(value); else textarea.value = value;
  }
  function insert(snippet) {
    if (editor) { editor.codemirror.replaceSelection(snippet); return; }
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    textarea.value = textarea.value.slice(0, start) + snippet + textarea.value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + snippet.length;
    textarea.focus();
  }
  function post(url, body) {
    body.append("csrf_token", csrf());
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (response) {
      return response.json().catch(function () {
        return { error: response.status === 413 ? "文件太大，请压缩后再试。" : "服务器没有回应，请稍后再试。" };
      }).then(function (data) {
        if (!response.ok && !data.error) data.error = "上传失败（" + response.status + "）。";
        return data;
      });
    });
  }
  function render(value) {
    var body = new FormData();
    body.append("body_md", value);
    return post(box.getAttribute("data-preview-url"), body).then(function (data) {
      // The server's sanitised HTML: the same function that draws the published lesson.
      return data.html || "";
    });
  }

  var status = document.createElement("p");
  status.className = "editor-status hint";
  status.setAttribute("role", "status");
  tools.appendChild(status);
  function say(message) { status.textContent = message; }

  previewButton.hidden = false;
  previewButton.addEventListener("click", function () {
    if (!previewPane.hidden) { previewPane.hidden = true; previewButton.textContent = "预览"; return; }
    say("正在生成预览……");
    render(text()).then(function (html) {
      previewPane.innerHTML = html;
      previewPane.hidden = false;
      previewButton.textContent = "关闭预览";
      say("");
    }).catch(function () { say("预览失败，请检查网络。"); });
  });

  function filePicker(label, accept, url, onDone) {
    var input = document.createElement("input");
    input.type = "file";
    input.accept = accept;
    input.hidden = true;
    input.setAttribute("aria-label", label);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary small";
    button.textContent = label;
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      if (!input.files.length) return;
      var body = new FormData();
      body.append("file", input.files[0]);
      say("正在上传 " + input.files[0].name + "……");
      post(url, body).then(function (data) {
        input.value = "";
        if (data.error) { say(data.error); return; }
        onDone(data);
      }).catch(function () { say("网络不稳定，文件没有上传成功，正文没有改动。"); });
    });
    tools.insertBefore(button, status);
    tools.appendChild(input);
  }

  var uploadUrl = box.getAttribute("data-upload-url");
  if (uploadUrl) {
    filePicker("插入图片或文件", "image/*,application/pdf,video/mp4,video/webm", uploadUrl, function (data) {
      insert("\n" + data.markdown + "\n");
      say("已插入 " + data.name + "。");
    });
  }
  var docxUrl = box.getAttribute("data-docx-url");
  if (docxUrl) {
    filePicker("从 Word 导入", ".docx", docxUrl, function (data) {
      if (text().trim() && !window.confirm("用 Word 文档的内容替换编辑框中的正文？（保存前不会生效）")) {
        say("未替换。");
        return;
      }
      setText(data.markdown);
      var lost = data.messages || [];
      say(lost.length ? "已导入。以下内容未能转换：" + lost.join("；") : "已导入，全部内容均已转换。");
    });
  }

  var wide = window.matchMedia && window.matchMedia("(min-width: 900px) and (pointer: fine)").matches;
  if (wide && window.EasyMDE) {
    var pending = null;
    editor = new window.EasyMDE({
      element: textarea,
      autoDownloadFontAwesome: false,
      spellChecker: false,
      status: false,
      forceSync: true,
      // Side by side within the page: full screen would hide the form's other fields and buttons.
      sideBySideFullscreen: false,
      minHeight: "320px",
      toolbar: [
        { name: "heading", action: window.EasyMDE.toggleHeadingSmaller, text: "标题", title: "标题" },
        { name: "bold", action: window.EasyMDE.toggleBold, text: "粗体", title: "粗体" },
        { name: "unordered-list", action: window.EasyMDE.toggleUnorderedList, text: "列表", title: "列表" },
        { name: "ordered-list", action: window.EasyMDE.toggleOrderedList, text: "编号", title: "编号列表" },
        { name: "table", action: window.EasyMDE.drawTable, text: "表格", title: "表格" },
        { name: "link", action: window.EasyMDE.drawLink, text: "链接", title: "链接" },
        "|",
        { name: "side-by-side", action: window.EasyMDE.toggleSideBySide, text: "对照预览", title: "对照预览", noDisable: true }
      ],
      previewRender: function (value, pane) {
        // EasyMDE wants HTML at once: show the last preview and fill in the server's shortly.
        clearTimeout(pending);
        pending = setTimeout(function () {
          render(value).then(function (html) { pane.innerHTML = html; });
        }, 400);
        return pane.innerHTML || "正在生成预览……";
      }
    });
  }
})();
