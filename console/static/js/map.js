// Posts on a Leaflet map over the tile service the deployment names (CONSOLE_TILE_URL, GCJ-02 like the posts).
export function postsMap(element, posts) {
  const map = L.map(element, { keyboard: true }).setView([31.2304, 121.4737], 13);
  L.tileLayer(document.body.dataset.tileUrl, { maxZoom: 18, attribution: "地图" }).addTo(map);
  const shapes = posts.map((post) => {
    const fence = post.fence;
    const shape = fence.shape === "circle"
      ? L.circle([fence.center.lat, fence.center.lng], { radius: fence.radius_m })
      : L.polygon(fence.points.map((p) => [p.lat, p.lng]));
    return shape.bindTooltip(post.name).addTo(map);
  });
  if (shapes.length) map.fitBounds(L.featureGroup(shapes).getBounds().pad(0.2));
  return map;
}
