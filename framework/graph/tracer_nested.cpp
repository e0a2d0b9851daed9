// The Tracer's side of nested traces (the branches of st::cond, the cond and body of
// st::while_loop): captures of enclosing memory, dry runs, snapshots moved by a branch's assign.
#include <algorithm>
#include <unordered_set>

#include "strata/framework/graph/tracer.hpp"

namespace strata::graph::detail {

int Tracer::buffer_of(const Storage* storage) const {
  auto it = by_storage_.find(storage);
  return it == by_storage_.end() ? -1 : it->second;
}

int Tracer::capture(const std::shared_ptr<Storage>& storage, std::string label) {
  if (const int known = buffer_of(storage.get()); known >= 0) return known;
  const int id = add_buffer(Buffer{Buffer::Kind::external, storage->bytes, storage, std::move(label), storage->data},
                            storage->data);
  if (dry_) saved_before_write(id);
  return id;
}

bool Tracer::owns_mark(const TraceMark* mark) const {
  for (const Tracer* t = this; t; t = t->outer_)
    if (t->mark_.get() == mark) return true;
  return false;
}

void Tracer::note_captured(const TensorImpl& impl) {
  if (!is_floating(impl.dtype) || !captured_ids_.insert(impl.id).second) return;
  // A handle with the tensor's identity (what tapes route gradients by), as a snapshot is.
  auto handle = std::make_shared<TensorImpl>();
  handle->storage = impl.storage;
  handle->offset_bytes = impl.offset_bytes;
  handle->shape = impl.shape;
  handle->dtype = impl.dtype;
  handle->device = impl.device;
  handle->id = impl.id;
  handle->variable = impl.variable;
  handle->trace = impl.trace;
  captured_.emplace_back(std::move(handle));
}

void Tracer::saved_before_write(int buffer) {
  const Buffer& b = graph_.buffers[buffer];
  if (!b.bytes || !b.owner) return;
  auto copy = std::make_shared<Storage>(*b.owner->backend, b.bytes);
  b.owner->backend->copy(b.address, copy->data, b.bytes);
  saved_.emplace_back(buffer, std::move(copy));
}

void Tracer::restore_written() {
  std::unordered_set<int> written;
  for (const auto& node : graph_.nodes)
    for (const auto& a : node.args)
      if (a.write) written.insert(a.buffer);
  for (const auto& [buffer, copy] : saved_)
    if (written.count(buffer)) copy->backend->copy(copy->data, graph_.buffers[buffer].address, copy->bytes);
  saved_.clear();
}

// A variable assigned inside a nested trace while a snapshot shares its storage: writable_data moved
// the snapshot's values to memory this trace made (`a` now owns it, `b` the variable's). On the
// first write of the variable here, `a` is older than this trace: a snapshot taken outside may be
// read after the branch whichever branch runs, so the move belongs to the trace where `a` was known
// (the outermost if none), before the control-flow node; here the copy becomes a capture.
void Tracer::rehome_snapshots(const std::shared_ptr<Storage>& a, const std::shared_ptr<Storage>& b) {
  const int variable = buffer_of(b.get()), moved = buffer_of(a.get());
  if (variable < 0 || moved < 0) return;
  for (const auto& node : graph_.nodes)
    for (const auto& arg : node.args)
      if (arg.write && arg.buffer == variable) return;  // `a` is this trace's own earlier copy
  Tracer* home = nullptr;
  Tracer* top = this;
  for (Tracer* t = outer_; t; t = t->outer_) {
    top = t;
    if (t->buffer_of(a.get()) < 0) continue;
    t->swap_owners(a, b);
    if (!home) home = t;
  }
  if (!home) home = top;
  if (!graph_.nodes.empty() && graph_.nodes.back().op == "copy" && graph_.nodes.back().args.size() == 2 &&
      graph_.nodes.back().args[1].buffer == moved)
    graph_.nodes.pop_back();
  graph_.buffers[moved].kind = Buffer::Kind::external;
  graph_.buffers[moved].label = "snapshot";
  const int source = home->capture(b, graph_.buffers[variable].label);
  const int target = home->add_internal(a);
  const std::size_t bytes = std::min(a->bytes, b->bytes);
  Node n{"copy", std::to_string(bytes) + " bytes", {{source, 0, false}, {target, 0, true}}};
  n.exec = [bytes](backend::Backend& k, void* const* p) { k.copy(p[0], p[1], bytes); };
  home->record(std::move(n));
}

}  // namespace strata::graph::detail
