// A fence drawn and edited on a Leaflet map, kept in step with the form's fields (which work by keyboard alone):
// a circle is a click for the centre and a click for the radius, a polygon a click per corner; markers drag.
const VERTEX = () => L.divIcon({ className: "vertex", iconSize: [14, 14] });

export function parsePoints(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [lat, lng] = line.split(/[,，\s]+/).map(Number);
    return { lat, lng };
  });
}

const formatPoint = (p) => `${p.lat.toFixed(6)},${p.lng.toFixed(6)}`;

export class FenceEditor {
  constructor(map, form) {
    this.map = map;
    this.form = form;
    this.layer = L.layerGroup().addTo(map);
    this.awaitingRadius = false;
    map.on("click", (event) => this.click(event.latlng));
    form.addEventListener("input", () => this.draw());
    form.addEventListener("change", () => this.draw());
  }

  get shape() { return this.form.shape.value; }

  click(latlng) {
    const f = this.form;
    if (this.shape === "circle") {
      if (!this.awaitingRadius || !f.center_lat.value) {
        f.center_lat.value = latlng.lat.toFixed(6);
        f.center_lng.value = latlng.lng.toFixed(6);
        this.awaitingRadius = true;
      } else {
        f.radius_m.value = Math.round(this.map.distance([Number(f.center_lat.value), Number(f.center_lng.value)], latlng));
        this.awaitingRadius = false;
      }
    } else {
      f.points.value = (f.points.value.trim() ? f.points.value.trim() + "\n" : "") + formatPoint(latlng);
    }
    this.draw();
  }

  // The fence as the API takes it (coordinates as typed, GCJ-02 like the map's tiles).
  fence() {
    const f = this.form;
    if (this.shape === "circle") {
      const number = (value) => (value.trim() === "" ? null : Number(value));
      const center = f.center_lat.value || f.center_lng.value
        ? { lat: number(f.center_lat.value), lng: number(f.center_lng.value) } : undefined;
      return { shape: "circle", coord_system: "gcj02", center, radius_m: number(f.radius_m.value) ?? undefined };
    }
    return { shape: "polygon", coord_system: "gcj02", points: parsePoints(f.points.value) };
  }

  load(fence) {
    const f = this.form;
    f.shape.value = fence ? fence.shape : "circle";
    f.center_lat.value = fence?.center ? fence.center.lat : "";
    f.center_lng.value = fence?.center ? fence.center.lng : "";
    f.radius_m.value = fence?.radius_m ?? "";
    f.points.value = fence?.points ? fence.points.map(formatPoint).join("\n") : "";
    this.awaitingRadius = false;
    this.draw();
  }

  draw() {
    const f = this.form;
    for (const box of f.querySelectorAll("[data-shape]")) box.hidden = box.dataset.shape !== this.shape;
    this.layer.clearLayers();
    const style = { color: "#d9480f", weight: 3, dashArray: "6 4" };
    if (this.shape === "circle") {
      const lat = Number(f.center_lat.value), lng = Number(f.center_lng.value);
      if (!f.center_lat.value || !f.center_lng.value || !Number.isFinite(lat + lng)) return;
      const radius = Number(f.radius_m.value);
      if (radius > 0) L.circle([lat, lng], { radius, ...style }).addTo(this.layer);
      this.handle([lat, lng], "圆心", (at) => {
        f.center_lat.value = at.lat.toFixed(6);
        f.center_lng.value = at.lng.toFixed(6);
      });
      return;
    }
    const points = parsePoints(f.points.value).filter((p) => Number.isFinite(p.lat + p.lng));
    if (points.length > 1) L.polygon(points.map((p) => [p.lat, p.lng]), style).addTo(this.layer);
    points.forEach((p, index) => this.handle([p.lat, p.lng], `顶点 ${index + 1}`, (at) => {
      const all = parsePoints(f.points.value);
      all[index] = { lat: at.lat, lng: at.lng };
      f.points.value = all.map(formatPoint).join("\n");
    }));
  }

  handle(latlng, title, moved) {
    const marker = L.marker(latlng, { draggable: true, icon: VERTEX(), title, alt: title, keyboard: true });
    marker.on("dragend", () => { moved(marker.getLatLng()); this.draw(); });
    marker.addTo(this.layer);
  }

  show() {
    const bounds = this.layer.getLayers().filter((layer) => layer.getBounds);
    if (bounds.length) this.map.fitBounds(bounds[0].getBounds().pad(0.5), { animate: false });
  }
}
