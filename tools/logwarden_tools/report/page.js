// The backtest page's drawing script (logwarden.report.html inlines it after uPlot and the data).
(function () {
  var errors = document.getElementById("report-errors");
  function fail(text) { errors.textContent += text + "\n"; }
  window.addEventListener("error", function (e) { fail("error: " + e.message); });
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var colours = {critical: "#b60205", high: "#d93f0b", medium: "#e4a400", low: "#1d76db", info: "#6e7781"};
  var status = document.getElementById("report-status");
  // uPlot draws asynchronously: the status is the sum over the charts drawn so far, updated on every draw.
  function updateStatus() {
    var boxes = document.querySelectorAll(".chart[data-drawn]"), alerts = 0, recoveries = 0;
    boxes.forEach(function (b) { alerts += Number(b.dataset.alertMarkers); recoveries += Number(b.dataset.recoveryMarkers); });
    status.dataset.charts = boxes.length;
    status.dataset.alertMarkers = alerts;
    status.dataset.recoveryMarkers = recoveries;
    status.textContent = boxes.length === total ? "rendered" : "drawing";
  }
  function draw(chart, parent, heading, height) {
    var box = document.createElement("div");
    box.className = "chart";
    var title = document.createElement("h3");
    title.textContent = heading + (chart.step > 1 ? "  (per minute, averaged over " + chart.step + " min)" : "  (per minute)");
    box.appendChild(title);
    parent.appendChild(box);
    var markerHook = function (u) {
      var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
      var alerts = 0, recoveries = 0;
      ctx.save();
      chart.markers.forEach(function (m) {
        var x = Math.round(u.valToPos(m.t, "x", true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        var colour = m.kind === "alert" ? colours[m.severity] : "#1a7f37";
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.lineWidth = (m.primary ? 2 : 1) * devicePixelRatio;
        ctx.setLineDash(m.kind === "alert" ? [] : [4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
        var s = 6 * devicePixelRatio;
        ctx.beginPath();
        if (m.kind === "alert") { ctx.moveTo(x - s, top); ctx.lineTo(x + s, top); ctx.lineTo(x, top + s * 1.5); alerts++; }
        else { ctx.arc(x, top + s, s * 0.8, 0, 2 * Math.PI); recoveries++; }
        ctx.fill();
      });
      ctx.restore();
      box.dataset.alertMarkers = alerts;
      box.dataset.recoveryMarkers = recoveries;
      box.dataset.drawn = "yes";
      updateStatus();
    };
    var opts = {
      width: Math.max(600, Math.min(window.innerWidth - 60, 1400)), height: height,
      legend: {show: false},
      scales: {x: {time: true}, y: {distr: 4, asinh: 1, range: function (u, min, max) { return [0, Math.max(max * 1.3, 2)]; }}},
      series: [
        {},
        {label: "observed", stroke: "#0969da", width: 1},
        {label: "expected", stroke: "#57606a", width: 1, dash: [6, 4]},
        {label: "band low", stroke: "rgba(87,96,106,0.25)", width: 1},
        {label: "band high", stroke: "rgba(87,96,106,0.25)", width: 1}
      ],
      bands: [{series: [4, 3], fill: "rgba(87,96,106,0.15)"}],
      axes: [{}, {label: "events / min", size: 60}],
      hooks: {draw: [markerHook]}
    };
    new uPlot(opts, [chart.x, chart.observed, chart.expected, chart.low, chart.high], box);
  }
  var total = data.charts.length + data.incidents.filter(function (i) { return i.chart; }).length;
  var host = document.getElementById("charts");
  data.charts.forEach(function (chart) { draw(chart, host, chart.series, 160); });
  var list = document.getElementById("incidents");
  data.incidents.forEach(function (incident) {
    var div = document.createElement("div");
    div.className = "incident " + incident.severity;
    div.id = incident.id;
    var head = document.createElement("div");
    head.innerHTML = "<b></b> <span class=meta></span>";
    head.querySelector("b").textContent = "[" + incident.severity.toUpperCase() + "] " + (incident.title || incident.series);
    head.querySelector(".meta").textContent = "opened " + incident.opened + ", " + incident.messages.length + " messages (" + incident.id + ")";
    div.appendChild(head);
    if (incident.chart) draw(incident.chart, div, incident.chart.series, 180);
    incident.messages.forEach(function (message) {
      var pre = document.createElement("pre");
      pre.className = "message " + message.kind;
      pre.textContent = message.minute + "  " + message.text;
      div.appendChild(pre);
    });
    list.appendChild(div);
  });
  status.dataset.incidents = data.incidents.length;
  if (total === 0) updateStatus();
})();
