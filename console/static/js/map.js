// Maps over the tile service the deployment names (CONSOLE_TILE_URL, GCJ-02 like the stored coordinates).
export function baseMap(element) {
  const map = L.map(element, { keyboard: true, doubleClickZoom: false }).setView([31.2304, 121.4737], 13);
  L.tileLayer(document.body.dataset.tileUrl, { maxZoom: 18, attribution: "地图" }).addTo(map);
  return map;
}

export function fenceShape(fence, options = {}) {
  return fence.shape === "circle"
    ? L.circle([fence.center.lat, fence.center.lng], { radius: fence.radius_m, ...options })
    : L.polygon(fence.points.map((p) => [p.lat, p.lng]), options);
}

export function fit(map, shapes) {
  if (shapes.length) map.fitBounds(L.featureGroup(shapes).getBounds().pad(0.2));
}

// Posts with their fences, named on hover.
export function postsMap(element, posts) {
  const map = baseMap(element);
  const shapes = posts.map((post) => fenceShape(post.fence).bindTooltip(post.name).addTo(map));
  fit(map, shapes);
  return map;
}
