// Draws the network from the data embedded above; no network access.
(function () {
  "use strict";
  var container = document.getElementById("mynetwork");
  var nodes = new vis.DataSet(GRAPHDB_NODES);
  var edges = new vis.DataSet(GRAPHDB_EDGES);
  var options = GRAPHDB_OPTIONS;
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  // Exposed for tests and the curious: window.graphdb.nodes.length etc.
  window.graphdb = { nodes: nodes, edges: edges, network: network, ready: false };
  function markReady() {
    window.graphdb.ready = true;
    document.body.setAttribute("data-ready", "1");
  }
  if (options.physics && options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
    });
  }
  network.once("afterDrawing", function () {
    if (!(options.physics && options.physics.enabled)) {
      network.fit({ animation: false });
    }
    markReady();
  });
})();
