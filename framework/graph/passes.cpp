#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string>

#include "strata/framework/graph/graph.hpp"
#include "strata/framework/graph/kernel_call.hpp"

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

// Common subexpressions: a node that repeats an earlier node's kernel call (the same record) on
// the same values (the same buffers and offsets, none written in between) would write the same
// bytes, so its output becomes the earlier node's and it goes. Only nodes writing one whole internal
// buffer that nothing else writes take part; random kernels and host steps never do.
std::size_t merge_common(Graph& g) {
  std::vector<int> writers(g.buffers.size(), 0);
  for (const auto& node : g.nodes)
    for (const auto& a : node.args) writers[a.buffer] += a.write;
  auto sole_output = [&](const Node& node) {
    if (node.call.empty() || node.random || node.side_effect) return -1;
    int out = -1;
    for (const auto& a : node.args)
      if (a.write) {
        if (out >= 0 || a.offset != 0) return -1;
        out = a.buffer;
      }
    if (out < 0) return -1;
    const Buffer& b = g.buffers[out];
    return b.kind == Kind::internal && writers[out] == 1 ? out : -1;
  };
  std::vector<std::uint64_t> version(g.buffers.size(), 0);
  std::vector<int> alias(g.buffers.size(), -1);  // a merged buffer -> the buffer holding its values
  std::map<std::string, int> seen;              // call and read values -> output buffer
  std::vector<Node> kept;
  std::size_t merged = 0;
  for (auto& node : g.nodes) {
    for (auto& a : node.args)
      if (alias[a.buffer] >= 0) a.buffer = alias[a.buffer];
    if (const int out = sole_output(node); out >= 0) {
      std::string key(reinterpret_cast<const char*>(node.call.data()), node.call.size());
      for (const auto& a : node.args) {
        if (a.write) continue;
        const std::uint64_t value[3] = {static_cast<std::uint64_t>(a.buffer), a.offset, version[a.buffer]};
        key.append(reinterpret_cast<const char*>(value), sizeof value);
      }
      auto [it, first] = seen.emplace(std::move(key), out);
      if (!first && g.buffers[it->second].bytes == g.buffers[out].bytes) {
        alias[out] = it->second;
        ++merged;
        continue;
      }
    }
    for (const auto& a : node.args) version[a.buffer] += a.write;
    kept.push_back(std::move(node));
  }
  for (auto& o : g.outputs)
    if (alias[o.buffer] >= 0) o.buffer = alias[o.buffer];
  g.nodes = std::move(kept);
  return merged;
}

// An elementwise chain as one program (backend::FusedElementwiseArgs without the pointers).
struct Program {
  std::vector<Access> inputs;
  std::vector<bool> scalar;
  std::vector<backend::FusedStep> steps;
  std::vector<std::string> names;
};

Program program_of(const Node& n) {
  const Elementwise& e = n.elementwise;
  if (e.unary) return {{n.args[0]}, {false}, {{true, e.op, e.alpha, 0, 0}}, {n.op}};
  return {{n.args[0], n.args[1]}, {e.a_scalar, e.b_scalar}, {{false, e.op, 0.0, 0, 1}}, {n.op}};
}

const Access& written(const Node& n) {
  for (const auto& a : n.args)
    if (a.write) return a;
  return n.args.back();
}

// Merges chains of elementwise nodes of one size and dtype, where each intermediate is read once,
// by the next node of the chain, into single fused nodes. Returns how many nodes were absorbed.
std::size_t fuse(Graph& g) {
  const std::size_t n = g.nodes.size();
  std::vector<int> writers(g.buffers.size(), 0), reads(g.buffers.size(), 0), reader(g.buffers.size(), -1);
  std::vector<bool> is_output(g.buffers.size(), false);
  for (const auto& o : g.outputs) is_output[o.buffer] = true;
  std::vector<std::optional<Program>> programs(n);
  for (std::size_t j = 0; j < n; ++j) {
    const Node& node = g.nodes[j];
    int node_writes = 0;
    for (const auto& a : node.args) {
      if (a.write) ++writers[a.buffer], ++node_writes;
      else ++reads[a.buffer], reader[a.buffer] = static_cast<int>(j);
    }
    if (node.elementwise.count > 0 && node_writes == 1) programs[j] = program_of(node);
  }
  std::vector<bool> absorbed(n, false);
  std::size_t count = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (!programs[j]) continue;
    const Access& out = written(g.nodes[j]);
    const int w = out.buffer;
    const Buffer& buf = g.buffers[w];
    if (buf.kind != Buffer::Kind::internal || buf.constant || is_output[w] || writers[w] != 1 || reads[w] != 1 ||
        out.offset != 0)
      continue;
    const int k = reader[w];
    if (k <= static_cast<int>(j) || !programs[k]) continue;
    const Elementwise &ej = g.nodes[j].elementwise, &ek = g.nodes[k].elementwise;
    if (ej.count != ek.count || ej.dtype != ek.dtype) continue;
    Program& pj = *programs[j];
    Program& pk = *programs[k];
    bool ok = true;
    for (std::size_t i = 0; i < pk.inputs.size(); ++i)
      if (pk.inputs[i].buffer == w && (pk.inputs[i].offset != 0 || pk.scalar[i])) ok = false;
    // j's inputs must still hold the same values when k runs.
    for (std::size_t m = j + 1; ok && m < static_cast<std::size_t>(k); ++m)
      for (const auto& a : g.nodes[m].args)
        for (const auto& in : pj.inputs)
          if (a.write && a.buffer == in.buffer) ok = false;
    if (!ok) continue;
    Program merged = pj;
    const int shift = static_cast<int>(pj.steps.size());
    const int j_result = -shift;  // -1 - (index of j's last step)
    std::vector<int> remap(pk.inputs.size(), 0);
    for (std::size_t i = 0; i < pk.inputs.size(); ++i) {
      if (pk.inputs[i].buffer == w) {
        remap[i] = j_result;
        continue;
      }
      remap[i] = static_cast<int>(merged.inputs.size());
      merged.inputs.push_back(pk.inputs[i]);
      merged.scalar.push_back(pk.scalar[i]);
    }
    auto operand = [&](int idx) { return idx >= 0 ? remap[static_cast<std::size_t>(idx)] : idx - shift; };
    for (auto step : pk.steps) {
      step.a = operand(step.a);
      step.b = step.unary ? 0 : operand(step.b);
      merged.steps.push_back(step);
    }
    merged.names.insert(merged.names.end(), pk.names.begin(), pk.names.end());
    pk = std::move(merged);
    absorbed[j] = true;
    ++count;
  }
  if (!count) return 0;
  std::vector<Node> kept;
  for (std::size_t j = 0; j < n; ++j) {
    if (absorbed[j]) continue;
    Node node = std::move(g.nodes[j]);
    if (programs[j] && programs[j]->steps.size() > 1) {
      Program p = std::move(*programs[j]);
      const Access out = written(node);
      Node fused{"fused", "", p.inputs};
      for (std::size_t i = 0; i < p.names.size(); ++i) fused.attrs += (i ? " > " : "") + p.names[i];
      fused.args.push_back(out);
      fused.elementwise = node.elementwise;
      fused.call = fused_call(node.elementwise.dtype, node.elementwise.count, p.scalar, p.steps);
      fused.exec = decode_call(fused.call, nullptr, "fused elementwise chain").exec;
      node = std::move(fused);
    }
    kept.push_back(std::move(node));
  }
  g.nodes = std::move(kept);
  return count;
}

constexpr std::size_t kAlign = 64;
std::size_t aligned(std::size_t bytes) { return (std::max<std::size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign; }

// Liveness in half steps: node j reads at 2j and writes at 2j + 1 when it is elementwise (so an
// output may take the place of an input read for the last time, in place), else writes at 2j.
std::size_t plan(Graph& g) {
  const auto n = static_cast<int>(g.nodes.size());
  constexpr int kUnused = std::numeric_limits<int>::max();
  std::vector<int> start(g.buffers.size(), kUnused), end(g.buffers.size(), -1);
  auto use = [&](int b, int t) {
    start[b] = std::min(start[b], t);
    end[b] = std::max(end[b], t);
  };
  for (int b : g.inputs) use(b, -1);  // written by the copy in before the first node
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
  using Range = std::pair<std::size_t, std::size_t>;
  auto fits = [](const std::vector<Range>& busy, std::size_t offset, std::size_t size) {
    for (const auto& [lo, hi] : busy)
      if (offset < hi && lo < offset + size) return false;
    return true;
  };
  for (int b : order) {
    Buffer& buf = g.buffers[b];
    const std::size_t size = aligned(buf.bytes);
    // Buffers alive at the same time may not overlap at all. A buffer read for the last time by the
    // elementwise node that writes this one (its liveness ends just before this one starts) may
    // share its place, but only exactly: an elementwise kernel is safe in place, not shifted.
    std::vector<Range> busy;
    std::vector<int> busy_ids;
    std::vector<int> partners;
    for (int p : placed) {
      const Buffer& other = g.buffers[p];
      const auto lo = static_cast<std::size_t>(other.arena_offset);
      const bool touching = other.last_use + 1 == buf.first_use && buf.first_use % 2 == 1;
      if (touching && aligned(other.bytes) >= size) partners.push_back(p);
      if ((other.first_use <= buf.last_use && buf.first_use <= other.last_use) || touching) {
        busy.emplace_back(lo, lo + aligned(other.bytes));
        busy_ids.push_back(p);
      }
    }
    std::optional<std::size_t> chosen;
    for (int partner : partners) {
      const auto candidate = static_cast<std::size_t>(g.buffers[partner].arena_offset);
      std::vector<Range> others;
      for (std::size_t i = 0; i < busy.size(); ++i)
        if (busy_ids[i] != partner) others.push_back(busy[i]);
      if (fits(others, candidate, size)) {
        chosen = candidate;
        break;
      }
    }
    if (!chosen) {
      std::sort(busy.begin(), busy.end());
      std::size_t offset = 0;
      for (const auto& [lo, hi] : busy) {
        if (offset + size <= lo) break;
        offset = std::max(offset, hi);
      }
      chosen = offset;
    }
    buf.arena_offset = static_cast<std::int64_t>(*chosen);
    arena = std::max(arena, *chosen + size);
    placed.push_back(b);
  }
  return arena;
}

}  // namespace

std::vector<bool> referenced(const Graph& g) {
  std::vector<bool> used(g.buffers.size(), false);
  for (const auto& node : g.nodes)
    for (const auto& a : node.args) used[static_cast<std::size_t>(a.buffer)] = true;
  for (const auto& o : g.outputs) used[static_cast<std::size_t>(o.buffer)] = true;
  return used;
}

PassStats optimize(Graph& g, bool fuse_elementwise) {
  PassStats stats;
  stats.nodes_traced = g.nodes.size();
  for (const auto& b : g.buffers)
    if (b.kind != Kind::external) stats.bytes_before += aligned(b.bytes);

  const auto live = prune(g);
  std::vector<Node> kept;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (live[i]) kept.push_back(std::move(g.nodes[i]));
  }
  stats.nodes_pruned = g.nodes.size() - kept.size();
  g.nodes = std::move(kept);
  // Before folding, so that equal constants share one buffer and what reads them can merge too.
  stats.nodes_merged = merge_common(g);
  const auto folded = fold(g, std::vector<bool>(g.nodes.size(), true));
  kept.clear();
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (folded[i]) ++stats.nodes_folded;
    else kept.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(kept);
  if (fuse_elementwise) stats.nodes_fused = fuse(g);
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
