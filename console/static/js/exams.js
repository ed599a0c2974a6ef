// Papers and their results: per question how many answered, the correct rate, the distractor chosen most.
import { api, cell, clearErrors, localTime, showErrors, signedIn } from "./api.js";

const filter = document.getElementById("paper-filter");
const percent = (rate) => (rate == null ? "—" : `${Math.round(Number(rate) * 100)}%`);

async function loadStatistics() {
  clearErrors(filter);
  const paperId = filter.elements.paper_id.value;
  if (!paperId) return;
  let stats;
  try {
    stats = await api("GET", `/api/training/papers/${paperId}/item-statistics`);
  } catch (error) {
    showErrors(filter, error);
    return;
  }
  if (!stats) return;
  const passed = stats.results.filter((r) => r.passed).length;
  document.getElementById("paper-summary").textContent =
    `${filter.elements.paper_id.selectedOptions[0].text}：已交卷 ${stats.attempts} 份，及格 ${passed} 份`;
  const items = document.querySelector("#items tbody");
  items.replaceChildren();
  for (const item of stats.items) {
    const tr = items.insertRow();
    cell(tr, item.stem);
    cell(tr, item.kind_name);
    cell(tr, `${item.answered} / ${item.attempts}`, "number");
    cell(tr, percent(item.correct_rate), "number");
    const wrong = item.top_distractor;
    cell(tr, wrong ? `${wrong.option === wrong.text ? wrong.text : `${wrong.option}. ${wrong.text}`}（${wrong.chosen} 人）` : "—");
    cell(tr, item.facility ?? "—", "number");
    cell(tr, item.discrimination ?? "—", "number");
  }
  const results = document.querySelector("#results tbody");
  results.replaceChildren();
  for (const result of stats.results) {
    const tr = results.insertRow();
    cell(tr, result.officer_name);
    cell(tr, `${result.score} / ${result.max_score}`, "number");
    cell(tr, result.passed ? "及格" : "不及格", result.passed ? "" : "late-mark");
    cell(tr, localTime(result.closed_at));
  }
}

filter.addEventListener("submit", (event) => { event.preventDefault(); loadStatistics(); });
filter.elements.paper_id.addEventListener("change", loadStatistics);

if (await signedIn()) {
  const papers = await api("GET", "/api/training/papers?page_size=100") || [];
  filter.elements.paper_id.replaceChildren(...papers.map((paper) => new Option(paper.title, paper.id)));
  await loadStatistics();
}
