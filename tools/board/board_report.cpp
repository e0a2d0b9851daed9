#include "strata/tools/board/board_report.hpp"

#include <cmath>
#include <cstdio>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

namespace strata::board {

namespace {

// Names as one printable line: control characters escaped as C would write them.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Width in characters (UTF-8 continuation bytes do not count).
std::size_t width_of(const std::string& text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

nlohmann::json value_json(double value) {
  if (std::isfinite(value)) return value;
  return format_value(value);  // JSON has no NaN: the page reads these strings back as numbers
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

bool higher_is_better(const std::string& tag) {
  std::string lower;
  for (unsigned char c : tag) lower += static_cast<char>(std::tolower(c));
  if (lower.find("loss") != std::string::npos || lower.find("error") != std::string::npos) return false;
  for (const char* word : {"acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2", "per_second"})
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

std::vector<TagSummary> summarize(const Runs& runs) {
  std::vector<TagSummary> out;
  for (const auto& [run, tags] : runs)
    for (const auto& [tag, points] : tags) {
      if (points.empty()) continue;
      TagSummary s{run, tag, points.size(), points.back(), std::nullopt, higher_is_better(tag)};
      for (const auto& p : points) {
        if (!std::isfinite(p.value)) continue;
        // Ties keep the earliest step, as a checkpoint callback would.
        if (!s.best || (s.higher_is_better ? p.value > s.best->value : p.value < s.best->value)) s.best = p;
      }
      out.push_back(std::move(s));
    }
  return out;
}

std::string scalar_table(const Runs& runs) {
  std::vector<std::vector<std::string>> rows{{"run", "tag", "points", "last step", "last", "best", "best step"}};
  for (const auto& s : summarize(runs))
    rows.push_back({printable(s.run), printable(s.tag), std::to_string(s.points), std::to_string(s.last.step),
                    format_value(s.last.value),
                    s.best ? format_value(s.best->value) + (s.higher_is_better ? " (max)" : " (min)") : "-",
                    s.best ? std::to_string(s.best->step) : "-"});
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], width_of(row[c]));
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string fill(widths[c] - width_of(row[c]), ' ');
      line += (c ? "  " : "") + (c >= 2 ? fill + row[c] : row[c] + fill);  // numbers right-aligned
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string html_report(const Runs& runs, const std::string& title) {
  nlohmann::json data;
  data["title"] = title;
  data["runs"] = nlohmann::json::array();
  std::map<std::string, std::vector<std::pair<std::size_t, const std::vector<ScalarPoint>*>>> by_tag;
  for (const auto& [run, tags] : runs) {
    const std::size_t index = data["runs"].size();
    data["runs"].push_back(run);
    for (const auto& [tag, points] : tags) by_tag[tag].push_back({index, &points});
  }
  data["tags"] = nlohmann::json::array();
  for (const auto& [tag, series] : by_tag) {
    nlohmann::json chart{{"tag", tag}, {"higher_is_better", higher_is_better(tag)}, {"series", nlohmann::json::array()}};
    for (const auto& [run, points] : series) {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& p : *points) rows.push_back({p.step, p.wall_time, value_json(p.value)});
      chart["series"].push_back({{"run", run}, {"points", std::move(rows)}});
    }
    data["tags"].push_back(std::move(chart));
  }
  // Invalid UTF-8 in a name becomes U+FFFD; '<', '>' and '&' are written as \u escapes, so no
  // name can end the <script> block that holds the data.
  std::string json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  replace_all(json, "<", "\\u003c");
  replace_all(json, ">", "\\u003e");
  replace_all(json, "&", "\\u0026");

  // The script runs by its nonce alone: even a markup bug could not run an injected handler.
  std::random_device device;
  char nonce[33];
  std::snprintf(nonce, sizeof nonce, "%08x%08x%08x%08x", device(), device(), device(), device());

  // One pass over the template: what is filled in is never scanned again.
  const std::map<std::string, std::string> values{{"NONCE", nonce}, {"TITLE", html_escape(title)}, {"DATA", json}};
  const std::string page = page_template();
  std::string out;
  std::size_t at = 0;
  for (auto open = page.find("{{"); open != std::string::npos; open = page.find("{{", at)) {
    const auto close = page.find("}}", open);
    out.append(page, at, open - at);
    out += values.at(page.substr(open + 2, close - open - 2));
    at = close + 2;
  }
  return out + page.substr(at);
}

}  // namespace strata::board
