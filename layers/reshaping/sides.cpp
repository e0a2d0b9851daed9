#include "strata/layers/reshaping/sides.hpp"

#include <nlohmann/json.hpp>

#include "strata/framework/errors.hpp"

namespace strata::layers {

std::vector<SidePair> Sides::expand(int rank, const std::string& layer, const std::string& what) const {
  std::vector<SidePair> out;
  if (!pairs_.empty()) {
    out = pairs_;
  } else if (ints_.size() == 1) {
    out.assign(static_cast<std::size_t>(rank), {ints_[0], ints_[0]});
  } else if (rank == 1 && ints_.size() == 2) {
    out = {{ints_[0], ints_[1]}};
  } else if (static_cast<int>(ints_.size()) == rank) {
    for (auto v : ints_) out.push_back({v, v});
  }
  bool ok = static_cast<int>(out.size()) == rank;
  for (const auto& [before, after] : out) ok = ok && before >= 0 && after >= 0;
  if (!ok) {
    std::string got = "(";
    if (!pairs_.empty())
      for (std::size_t i = 0; i < pairs_.size(); ++i)
        got += (i ? ", (" : "(") + std::to_string(pairs_[i].first) + ", " + std::to_string(pairs_[i].second) + ")";
    else
      for (std::size_t i = 0; i < ints_.size(); ++i) got += (i ? ", " : "") + std::to_string(ints_[i]);
    got += ")";
    const std::string expected =
        rank == 1 ? "an int or a tuple of 2 non-negative ints (before, after)"
                  : "an int, a tuple of " + std::to_string(rank) + " non-negative ints, or a tuple of " +
                        std::to_string(rank) + " tuples of 2 non-negative ints";
    throw ValueError(layer + ": `" + what + "` should be " + expected + ", got " + got);
  }
  return out;
}

Sides Sides::from_config(const Config& value) {
  if (value.is_number_integer()) return Sides(value.get<std::int64_t>());
  if (!value.is_array()) throw ValueError("expected an int or a list, got " + value.dump());
  bool nested = !value.empty() && value[0].is_array();
  if (!nested) return Sides(value.get<std::vector<std::int64_t>>());
  std::vector<SidePair> pairs;
  for (const auto& p : value) {
    if (!p.is_array() || p.size() != 2) throw ValueError("expected (before, after) pairs, got " + value.dump());
    pairs.push_back({p[0].get<std::int64_t>(), p[1].get<std::int64_t>()});
  }
  return Sides(std::move(pairs));
}

Config sides_config(const std::vector<SidePair>& sides) {
  auto pair = [](const SidePair& p) { return Config::array({p.first, p.second}); };
  if (sides.size() == 1) return pair(sides[0]);
  Config c = Config::array();
  for (const auto& p : sides) c.push_back(pair(p));
  return c;
}

}  // namespace strata::layers
