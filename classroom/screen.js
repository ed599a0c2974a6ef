// The classroom big screen: polls /classroom/<id>/state?key=… and redraws; no reload, no external files.
(function () {
  "use strict";
  var classId = location.pathname.split("/").filter(Boolean)[1];
  var key = new URLSearchParams(location.search).get("key") || "";
  var stateUrl = "/classroom/" + classId + "/state?key=" + encodeURIComponent(key);
  var qrUrl = "/classroom/" + classId + "/qr.png?key=" + encodeURIComponent(key);
  var pollSeconds = 2;
  var SVG = "http://www.w3.org/2000/svg";
  var ZONE = "Asia/Shanghai";  // class times are local to the bureau, whatever the screen PC's clock zone

  function $(id) { return document.getElementById(id); }

  function text(id, value) {
    var node = $(id);
    if (node.textContent !== String(value)) node.textContent = value;
  }

  function svg(tag, attrs, content) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function localTime(iso) {
    return new Date(iso).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: ZONE });
  }

  // One row per option: its text, then a bar to scale with the count and the share of those who answered.
  function drawChart(quiz) {
    var chart = $("chart");
    chart.textContent = "";
    if (!quiz) return;
    var options = quiz.options, rowHeight = 118, width = 1000, barSpace = width - 240;
    var most = Math.max(1, Math.max.apply(null, options.map(function (o) { return o.count; })));
    var correct = quiz.correct_answer || [];
    var root = svg("svg", { viewBox: "0 0 " + width + " " + (options.length * rowHeight), id: "chart-svg" });
    options.forEach(function (option, index) {
      var y = index * rowHeight;
      var isCorrect = quiz.closed && quiz.kind !== "fill" && correct.indexOf(index) >= 0;
      var barWidth = Math.max(barSpace * option.count / most, 6);
      var share = quiz.answered ? Math.round(option.count * 100 / quiz.answered) : 0;
      var label = option.label === option.text ? option.text : option.label + ". " + option.text;
      if (label.length > 26) label = label.slice(0, 25) + "…";
      root.appendChild(svg("text", { x: 0, y: y + 38, "font-size": 36 }, (isCorrect ? "✓ " : "") + label));
      root.appendChild(svg("rect", { x: 0, y: y + 52, width: barWidth, height: 48, rx: 8,
                                     fill: isCorrect ? "#22c55e" : "#38bdf8", "data-option": index,
                                     "data-count": option.count }));
      root.appendChild(svg("text", { x: barWidth + 16, y: y + 90, "font-size": 38, "font-weight": 700,
                                     "class": "bar-count" }, option.count + " 人 · " + share + "%"));
    });
    chart.appendChild(root);
  }

  function drawQuiz(quiz) {
    var badge = $("quiz-state");
    if (!quiz) {
      text("quiz-stem", "暂无测验");
      text("quiz-summary", "");
      badge.hidden = true;
      drawChart(null);
      return;
    }
    badge.hidden = false;
    badge.className = "badge " + (quiz.closed ? "closed" : "live");
    text("quiz-state", quiz.closed ? "已结束" : "答题中 · " + localTime(quiz.closes_at) + " 截止");
    text("quiz-stem", quiz.stem);
    var summary = "已作答 " + quiz.answered + " 人 / 在线 " + quiz.present + " 人";
    if (quiz.closed) summary += "　答对 " + quiz.correct + " 人";
    text("quiz-summary", summary);
    drawChart(quiz);
  }

  function drawBoard(rows) {
    var list = $("leaderboard");
    list.textContent = "";
    $("board-empty").hidden = rows.length > 0;
    rows.forEach(function (row) {
      var item = document.createElement("li");
      var rank = document.createElement("span"); rank.className = "rank"; rank.textContent = row.rank;
      var who = document.createElement("span"); who.className = "name"; who.textContent = row.name;
      var badge = document.createElement("span"); badge.className = "badge-no"; badge.textContent = row.badge_no;
      who.appendChild(badge);
      var score = document.createElement("span"); score.className = "score";
      score.textContent = row.score + " 分";
      item.appendChild(rank); item.appendChild(who); item.appendChild(score);
      list.appendChild(item);
    });
  }

  function draw(state) {
    document.title = state.title + " · 智慧教室大屏";
    text("title", state.title);
    text("subtitle", state.classroom + "　" + localTime(state.starts_at) + "–" + localTime(state.ends_at));
    text("status", state.status);
    $("status").className = "badge" + (state.status === "进行中" ? " live" : "");
    text("present", state.present);
    text("joined", state.joined);
    drawQuiz(state.quiz);
    drawBoard(state.leaderboard);
    pollSeconds = state.poll_seconds || pollSeconds;
    drawJoinCode(state.join_code, state.join_code_seconds);
  }

  // The join code rotates (a photo of it is soon useless): load the new QR image when the code changes.
  function drawJoinCode(code, seconds) {
    var qr = $("qr");
    if (qr.dataset.code !== code) {
      qr.dataset.code = code;
      qr.src = qrUrl + "&code=" + encodeURIComponent(code);
    }
    text("join-hint", "打开政务微信“扫一扫”　二维码每 " + seconds + " 秒更换");
  }

  function showAlert(message) {
    var alert = $("alert");
    alert.hidden = !message;
    text("alert", message || "");
  }

  function poll() {
    fetch(stateUrl, { cache: "no-store" }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.message || "加载失败");
        return body;
      });
    }).then(function (state) {
      showAlert("");
      draw(state);
    }).catch(function (error) {
      showAlert(error.message.indexOf("大屏链接") >= 0 ? error.message : "连接中断，正在重试…");
    }).then(function () {
      setTimeout(poll, pollSeconds * 1000);
    });
  }

  function tick() {
    text("clock", new Date().toLocaleTimeString("zh-CN", { hour12: false, timeZone: ZONE }));
  }

  tick();
  setInterval(tick, 1000);
  poll();
}());
