#include <algorithm>
#include <numeric>

#include "strata/framework/graph/graph.hpp"

namespace strata::graph::detail {

namespace {

using Kind = Buffer::Kind;

// Drops nodes whose results reach no output, no variable and no host step (newest first: a node
// is needed when something needed later reads what it writes).
std::vector<bool> prune(const Graph& g) {
  std::vector<bool> needed(g.buffers.size(), false), live(g.nodes.size(), false);
  for (const auto& out : g.outputs) needed[out.buffer] = true;
  for (std::size_t b = 0; b < g.buffers.size(); ++b)
    if (g.buffers[b].kind == Kind::external) needed[b] = true;
  for (std::size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    bool keep = n.side_effect;
    for (const auto& a : n.args) keep = keep || (a.write && needed[a.buffer]);
    if (!keep) continue;
    live[i] = true;
    for (const auto& a : n.args)
      if (!a.write) needed[a.buffer] = true;
  }
  return live;
}

// Marks buffers whose values are the same at every call (written only by nodes that read only
// such buffers) and the nodes that made them, which then run once, at trace time, and never again.
std::vector<bool> fold(Graph& g, const std::vector<bool>& live) {
  std::vector<bool> foldable(g.nodes.size()), varying(g.buffers.size(), false);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) foldable[i] = live[i] && !g.nodes[i].random && !g.nodes[i].side_effect;
  for (std::size_t b = 0; b < g.buffers.size(); ++b) varying[b] = g.buffers[b].kind != Kind::internal;
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      if (!live[i]) continue;
      bool fold_it = foldable[i];
      for (const auto& a : g.nodes[i].args) fold_it = fold_it && !varying[a.buffer];
      if (foldable[i] && !fold_it) foldable[i] = false, changed = true;
      if (!foldable[i])
        for (const auto& a : g.nodes[i].args)
          if (a.write && !varying[a.buffer]) varying[a.buffer] = true, changed = true;
    }
  }
  for (std::size_t b = 0; b < g.buffers.size(); ++b) g.buffers[b].constant = !varying[b];
  return foldable;
}

constexpr std::size_t kAlign = 64;
std::size_t aligned(std::size_t bytes) { return (std::max<std::size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign; }

// Liveness in half steps: node j reads at 2j and writes at 2j + 1 when it is elementwise (so an
// output may take the place of an input read for the last time, in place), else writes at 2j.
std::size_t plan(Graph& g) {
  const auto n = static_cast<int>(g.nodes.size());
  std::vector<int> start(g.buffers.size(), -1), end(g.buffers.size(), -1);
  auto use = [&](int b, int t) {
    if (start[b] < 0 || t < start[b]) start[b] = t;
    end[b] = std::max(end[b], t);
  };
  for (int b : g.inputs) use(b, 0), start[b] = -1;
  for (int j = 0; j < n; ++j) {
    const Node& node = g.nodes[j];
    std::size_t out_bytes = 0;
    bool in_place_ok = node.elementwise.count > 0;
    for (const auto& a : node.args)
      if (a.write) out_bytes = g.buffers[a.buffer].bytes, in_place_ok = in_place_ok && a.offset == 0;
    for (const auto& a : node.args) {
      const bool same = in_place_ok && !a.write && a.offset == 0 && g.buffers[a.buffer].bytes == out_bytes;
      use(a.buffer, a.write ? 2 * j + (in_place_ok ? 1 : 0) : 2 * j + (same ? 0 : 1));
    }
  }
  for (const auto& out : g.outputs) use(out.buffer, 2 * n + 1);

  std::vector<int> order;
  for (std::size_t b = 0; b < g.buffers.size(); ++b) {
    Buffer& buf = g.buffers[b];
    buf.first_use = start[b], buf.last_use = end[b];
    if (buf.kind != Kind::external && !buf.constant && end[b] >= 0) order.push_back(static_cast<int>(b));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return g.buffers[a].bytes > g.buffers[b].bytes; });
  std::vector<int> placed;
  std::size_t arena = 0;
  for (int b : order) {
    Buffer& buf = g.buffers[b];
    // The lowest offset that overlaps no placed buffer alive at the same time.
    std::vector<std::pair<std::size_t, std::size_t>> busy;
    for (int p : placed) {
      const Buffer& other = g.buffers[p];
      if (other.first_use <= buf.last_use && buf.first_use <= other.last_use)
        busy.emplace_back(static_cast<std::size_t>(other.arena_offset),
                          static_cast<std::size_t>(other.arena_offset) + aligned(other.bytes));
    }
    std::sort(busy.begin(), busy.end());
    std::size_t offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + aligned(buf.bytes) <= lo) break;
      offset = std::max(offset, hi);
    }
    buf.arena_offset = static_cast<std::int64_t>(offset);
    arena = std::max(arena, offset + aligned(buf.bytes));
    placed.push_back(b);
  }
  return arena;
}

}  // namespace

PassStats optimize(Graph& g, bool fuse) {
  (void)fuse;
  PassStats stats;
  stats.nodes_traced = g.nodes.size();
  for (const auto& b : g.buffers)
    if (b.kind != Kind::external) stats.bytes_before += aligned(b.bytes);

  const auto live = prune(g);
  const auto folded = fold(g, live);
  std::vector<Node> kept;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (!live[i]) ++stats.nodes_pruned;
    else if (folded[i]) ++stats.nodes_folded;
    else kept.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(kept);
  stats.arena_bytes = plan(g);
  for (auto& b : g.buffers) {
    if (b.kind == Kind::external) continue;
    if (b.constant && b.last_use >= 0) stats.constant_bytes += b.bytes;
    // Only external and constant buffers keep their trace-time memory.
    if (!b.constant || b.last_use < 0) b.owner.reset();
  }
  stats.nodes_replayed = g.nodes.size();
  return stats;
}

}  // namespace strata::graph::detail
