// 数据流图: draws what /graph/data returns with Cytoscape.js, expands a node's
// neighbourhood on request, finds nodes by name, hides kinds, and exports the view as
// PNG, SVG or GraphML. The Cytoscape instance is window.registryGraph (the browser tests
// read its model, not its pixels).
(function () {
  "use strict";
  const box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") return;
  if (typeof cytoscapeSvg !== "undefined") cytoscape.use(cytoscapeSvg);

  const KIND_LABELS = {
    department: "部门", system: "信息系统", resource: "信息资源",
    interface: "接口", element: "数据元", project: "项目",
  };
  const COLOURS = {
    department: "#0969da", system: "#8250df", resource: "#1a7f37",
    interface: "#9a6700", element: "#6e7781", project: "#bc4c00",
  };
  const RINGS = { department: 6, project: 5, system: 4, interface: 3, resource: 2, element: 1 };
  const status = document.getElementById("graph-status");
  const panel = document.getElementById("graph-node");
  const depthSelect = document.getElementById("graph-depth");
  let selected = null;

  const cy = cytoscape({
    container: box,
    minZoom: 0.05,
    maxZoom: 4,
    wheelSensitivity: 0.3,
    textureOnViewport: true,
    hideEdgesOnViewport: true,
    style: [
      { selector: "node", style: {
        "background-color": (n) => COLOURS[n.data("kind")] || "#999",
        label: "data(label)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 2,
        width: 14, height: 14, "min-zoomed-font-size": 7,
      } },
      { selector: "node[kind = 'department']", style: { shape: "round-rectangle", width: 22, height: 16 } },
      { selector: "node[kind = 'project']", style: { shape: "diamond", width: 22, height: 22 } },
      { selector: "node[kind = 'interface']", style: { shape: "hexagon" } },
      { selector: "node[kind = 'element']", style: { width: 8, height: 8 } },
      { selector: "node[?outside]", style: { opacity: 0.5 } },
      { selector: "node.hidden-kind", style: { display: "none" } },
      { selector: "node.duplicate", style: { "border-width": 3, "border-color": "#cf222e" } },
      { selector: "node.overlap", style: { "border-width": 3, "border-color": "#bc4c00", "border-style": "double" } },
      { selector: "node:selected", style: { "overlay-opacity": 0.25, "overlay-color": "#0969da" } },
      { selector: "edge", style: {
        width: 1, "line-color": "#d0d7de", "curve-style": "haystack", opacity: 0.8,
      } },
      // Every resource and system reaches the shared data elements: faint, or they veil all.
      { selector: "edge[type = 'contains'], edge[type = 'collects']", style: { opacity: 0.12 } },
      { selector: "edge[type = 'flows_to']", style: {
        width: 2.5, "curve-style": "bezier", "target-arrow-shape": "triangle",
        "line-color": "#1a7f37", "target-arrow-color": "#1a7f37",
      } },
      { selector: "edge[type = 'flows_to'][!via_platform]", style: {
        "line-style": "dashed", "line-color": "#cf222e", "target-arrow-color": "#cf222e",
      } },
      { selector: "edge[?duplicate]", style: { "line-color": "#cf222e", width: 2 } },
      { selector: "edge[type = 'overlaps']", style: {
        "curve-style": "bezier", width: 3, "line-style": "dashed", "line-color": "#bc4c00",
      } },
    ],
  });
  window.registryGraph = cy;

  function layout(eles, around) {
    const options = around
      ? { name: "concentric", boundingBox: box_around(around, eles.length), animate: false,
          concentric: (n) => (n.id() === around.id() ? 10 : RINGS[n.data("kind")] || 0),
          levelWidth: () => 1 }
      : eles.nodes().length <= 300
        ? { name: "cose", animate: false, numIter: 600, nodeRepulsion: () => 9000 }
        : { name: "preset", positions: clusters(eles.nodes()), fit: false };
    eles.layout(options).run();
  }

  // A whole county: each department's records in a disc around it (a sunflower spiral,
  // its kinds in rings), the discs packed in rows, the shared data elements in their own
  // disc. Linear in the nodes, where a force layout of 2,000 nodes takes many seconds;
  // the flows between departments then read as lines between discs.
  function clusters(nodes) {
    const groups = new Map();
    nodes.forEach((n) => {
      const key = n.data("kind") === "element" ? "elements" : String(n.data("dept") ?? "other");
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(n);
    });
    const spacing = 26;
    const discs = [...groups.values()].map((members) => {
      members.sort((a, b) => (RINGS[b.data("kind")] || 0) - (RINGS[a.data("kind")] || 0)
        || a.id().localeCompare(b.id()));
      return { members, radius: spacing * (Math.sqrt(members.length) + 1) };
    }).sort((a, b) => b.radius - a.radius);
    const area = discs.reduce((sum, d) => sum + (2 * d.radius) ** 2, 0);
    const rowWidth = Math.max(Math.sqrt(area) * 1.3, 2 * discs[0].radius);
    const positions = {};
    let x = 0, y = 0, rowHeight = 0;
    for (const d of discs) {
      if (x > 0 && x + 2 * d.radius > rowWidth) { x = 0; y += rowHeight + spacing; rowHeight = 0; }
      const cx = x + d.radius, cy = y + d.radius;
      d.members.forEach((n, i) => {
        const r = spacing * Math.sqrt(i) * 0.9, angle = i * 2.39996;  // the golden angle
        positions[n.id()] = { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) };
      });
      x += 2 * d.radius + spacing;
      rowHeight = Math.max(rowHeight, 2 * d.radius);
    }
    return (n) => positions[n.id()];
  }

  function box_around(node, count) {
    const p = node.position();
    const r = 60 + Math.sqrt(count) * 30;
    return { x1: p.x - r, y1: p.y - r, w: 2 * r, h: 2 * r };
  }

  function add(data, around) {
    const fresh = [];
    for (const n of data.nodes) {
      if (cy.getElementById(n.data.id).empty()) fresh.push({ group: "nodes", ...n, classes: n.data.flags.join(" ") });
    }
    for (const e of data.edges) {
      if (cy.getElementById(e.data.id).empty()) fresh.push({ group: "edges", ...e });
    }
    const added = cy.add(fresh);
    applyKinds();
    if (around && added.nodes().empty()) {
      counts();
      return added;
    }
    if (around) {
      layout(added.nodes().union(around), around);
    } else {
      layout(cy.elements());
      cy.fit(undefined, 20);
      if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }
    }
    counts();
    return added;
  }

  function load(url, around) {
    status.textContent = "正在载入……";
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
      .then(({ ok, body }) => {
        if (!ok) {
          status.textContent = body.message || "载入失败";
          return;
        }
        if (body.too_large) {
          status.textContent = `范围内共 ${body.total_nodes} 个节点，超过整体显示上限：请查找一个节点，查看其邻域。`;
          return;
        }
        if (!around) cy.elements().remove();
        add(body, around);
        status.textContent = `显示 ${cy.nodes().length} 个节点、${cy.edges().length} 条边（范围 ${body.scope}，共 ${body.total_nodes} 个节点）${body.truncated ? "；邻域较大，仅显示最近的部分" : ""}`;
        box.dataset.loaded = String(Date.now());
      })
      .catch(() => { status.textContent = "载入失败"; });
  }

  function dataUrl(params) {
    // Expanding stays in the county drawn; a node found by name opens in its own county.
    if (box.dataset.region && !("region" in params)) params = { ...params, region: box.dataset.region };
    const url = new URL(box.dataset.dataUrl, window.location.origin);
    for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
    return url.toString();
  }

  function show(node) {
    selected = node;
    panel.hidden = false;
    document.getElementById("graph-node-label").textContent = node.data("label");
    document.getElementById("graph-node-kind").textContent =
      `${KIND_LABELS[node.data("kind")] || node.data("kind")}${node.data("code") ? "　" + node.data("code") : ""}　相邻 ${node.degree()} 条边`;
    const flags = node.data("flags") || [];
    document.getElementById("graph-node-flags").textContent =
      flags.map((f) => ({ duplicate: "存在重复采集问题", overlap: "存在建设内容重叠问题" }[f] || f)).join("；");
    const link = document.getElementById("graph-node-link");
    link.hidden = !node.data("href");
    if (node.data("href")) link.href = node.data("href");
  }

  function expand(node) {
    return load(dataUrl({ node: node.id(), depth: depthSelect.value }), node);
  }

  cy.on("tap", "node", (evt) => show(evt.target));
  cy.on("dbltap", "node", (evt) => expand(evt.target));
  document.getElementById("graph-expand").addEventListener("click", () => selected && expand(selected));

  // Kinds shown
  const kindBoxes = document.querySelectorAll("#graph-kinds input[type=checkbox]");
  // A class per hidden kind, not a style per node: one selector match instead of 2,000
  // style bypasses (which made an expansion of a county take seconds).
  function applyKinds() {
    cy.batch(() => {
      for (const b of kindBoxes) {
        const nodes = cy.nodes(`[kind = "${b.value}"]`);
        if (b.checked) nodes.removeClass("hidden-kind");
        else nodes.addClass("hidden-kind");
      }
    });
  }
  kindBoxes.forEach((b) => b.addEventListener("change", applyKinds));

  // Find a node: in the drawing first, else by name on the server, then its neighbourhood.
  const results = document.getElementById("graph-results");
  function find() {
    const q = document.getElementById("graph-q").value.trim();
    results.replaceChildren();
    if (!q) return;
    const url = new URL(box.dataset.searchUrl, window.location.origin);
    url.searchParams.set("q", q);
    fetch(url, { credentials: "same-origin" }).then((r) => r.json()).then((found) => {
      if (!found.length) {
        const li = document.createElement("li");
        li.textContent = "没有找到";
        results.append(li);
      }
      for (const n of found) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `${n.label}（${KIND_LABELS[n.kind] || n.kind}）`;
        button.dataset.node = n.id;
        button.addEventListener("click", () => focus(n.id));
        li.append(button);
        results.append(li);
      }
    });
  }
  function focus(id) {
    const node = cy.getElementById(id);
    if (node.nonempty()) {
      cy.elements().unselect();
      node.select();
      cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1) }, { duration: 200 });
      show(node);
      return Promise.resolve();
    }
    cy.elements().remove();
    return load(dataUrl({ node: id, depth: depthSelect.value, region: null })).then(() => {
      const n = cy.getElementById(id);
      if (n.nonempty()) { n.select(); show(n); }
    });
  }
  document.getElementById("graph-find").addEventListener("click", find);
  document.getElementById("graph-q").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); find(); }
  });

  // Export what is drawn
  function download(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  const xml = (s) => String(s ?? "").replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  function graphml() {
    const keys = ["label", "kind", "code", "type", "via_platform"];
    const head = keys.map((k) => `<key id="${k}" for="all" attr.name="${k}" attr.type="string"/>`).join("");
    const data = (el) => keys.filter((k) => el.data(k) !== undefined && el.data(k) !== null)
      .map((k) => `<data key="${k}">${xml(el.data(k))}</data>`).join("");
    const nodes = cy.nodes().map((n) => `<node id="${xml(n.id())}">${data(n)}</node>`).join("\n");
    const edges = cy.edges().map((e) =>
      `<edge id="${xml(e.id())}" source="${xml(e.source().id())}" target="${xml(e.target().id())}">${data(e)}</edge>`).join("\n");
    return `<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">${head}\n<graph edgedefault="directed">\n${nodes}\n${edges}\n</graph></graphml>\n`;
  }
  document.querySelectorAll("#graph-export [data-export]").forEach((b) =>
    b.addEventListener("click", () => {
      const kind = b.dataset.export;
      if (kind === "png") download(cy.png({ full: true, output: "blob", bg: "#ffffff", maxWidth: 4000 }), "graph.png");
      if (kind === "svg") download(new Blob([cy.svg({ full: true, bg: "#ffffff" })], { type: "image/svg+xml" }), "graph.svg");
      if (kind === "graphml") download(new Blob([graphml()], { type: "application/graphml+xml" }), "graph.graphml");
    }));

  // The table beside the drawing: how many nodes of each kind are shown.
  function counts() {
    const body = document.querySelector("#graph-counts tbody");
    body.replaceChildren();
    for (const [kind, label] of Object.entries(KIND_LABELS)) {
      const tr = document.createElement("tr");
      tr.dataset.kind = kind;
      const n = cy.nodes(`[kind = "${kind}"]`).length;
      tr.innerHTML = `<td>${label}</td><td>${n}</td>`;
      body.append(tr);
    }
  }

  load(box.dataset.url);
})();
