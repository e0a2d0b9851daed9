#include "strata/framework/summary/event.hpp"

#include <cstring>

#include "strata/framework/errors.hpp"
#include "strata/framework/summary/protobuf.hpp"

namespace strata::summary {
namespace {

std::string encode_tensor(const TensorProto& t) {
  proto::Writer w;
  if (t.dtype != DataType::kInvalid) w.varint_field(1, static_cast<std::uint64_t>(t.dtype));
  proto::Writer shape;
  for (auto size : t.shape) {
    proto::Writer dim;
    if (size != 0) dim.varint_field(1, static_cast<std::uint64_t>(size));
    shape.bytes_field(2, dim.bytes());
  }
  w.bytes_field(2, shape.bytes());  // present even for a scalar, as TensorFlow writes it
  if (!t.tensor_content.empty()) w.bytes_field(4, t.tensor_content);
  w.packed_floats(5, t.float_val);
  w.packed_doubles(6, t.double_val);
  if (t.dtype == DataType::kInt64) w.packed_varints(10, t.int_val);
  else w.packed_varints(7, t.int_val);
  for (const auto& s : t.string_val) w.bytes_field(8, s);
  return w.take();
}

std::string encode_histogram(const HistogramProto& h) {
  proto::Writer w;
  if (h.min != 0) w.double_field(1, h.min);
  if (h.max != 0) w.double_field(2, h.max);
  if (h.num != 0) w.double_field(3, h.num);
  if (h.sum != 0) w.double_field(4, h.sum);
  if (h.sum_squares != 0) w.double_field(5, h.sum_squares);
  w.packed_doubles(6, h.bucket_limit);
  w.packed_doubles(7, h.bucket);
  return w.take();
}

std::string encode_image(const ImageProto& image) {
  proto::Writer w;
  if (image.height) w.varint_field(1, static_cast<std::uint64_t>(image.height));
  if (image.width) w.varint_field(2, static_cast<std::uint64_t>(image.width));
  if (image.colorspace) w.varint_field(3, static_cast<std::uint64_t>(image.colorspace));
  if (!image.encoded_image_string.empty()) w.bytes_field(4, image.encoded_image_string);
  return w.take();
}

std::string encode_metadata(const SummaryMetadata& m) {
  proto::Writer plugin;
  if (!m.plugin_name.empty()) plugin.bytes_field(1, m.plugin_name);
  if (!m.plugin_content.empty()) plugin.bytes_field(2, m.plugin_content);
  proto::Writer w;
  w.bytes_field(1, plugin.bytes());
  if (!m.display_name.empty()) w.bytes_field(2, m.display_name);
  if (!m.summary_description.empty()) w.bytes_field(3, m.summary_description);
  if (m.data_class != DataClass::kUnknown) w.varint_field(4, static_cast<std::uint64_t>(m.data_class));
  return w.take();
}

std::string encode_value(const SummaryValue& v) {
  proto::Writer w;
  if (!v.tag.empty()) w.bytes_field(1, v.tag);
  if (v.simple_value) w.float_field(2, *v.simple_value);  // a oneof member: written even when 0
  if (v.image) w.bytes_field(4, encode_image(*v.image));
  if (v.histo) w.bytes_field(5, encode_histogram(*v.histo));
  if (v.tensor) w.bytes_field(8, encode_tensor(*v.tensor));
  if (v.metadata) w.bytes_field(9, encode_metadata(*v.metadata));
  return w.take();
}

TensorProto decode_tensor(std::string_view bytes) {
  TensorProto t;
  proto::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: t.dtype = static_cast<DataType>(r.varint()); break;
      case 2: {
        proto::Reader shape(r.bytes());
        while (shape.next()) {
          if (shape.field() != 2) continue;
          std::int64_t size = 0;
          proto::Reader dim(shape.bytes());
          while (dim.next())
            if (dim.field() == 1) size = dim.int64();
          t.shape.push_back(size);
        }
        break;
      }
      case 4: t.tensor_content = std::string(r.bytes()); break;
      case 5: for (float f : r.floats()) t.float_val.push_back(f); break;
      case 6: for (double d : r.doubles()) t.double_val.push_back(d); break;
      case 7:
      case 10: for (auto i : r.varints()) t.int_val.push_back(i); break;
      case 8: t.string_val.emplace_back(r.bytes()); break;
      default: break;
    }
  }
  return t;
}

HistogramProto decode_histogram(std::string_view bytes) {
  HistogramProto h;
  proto::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: h.min = r.fixed64_double(); break;
      case 2: h.max = r.fixed64_double(); break;
      case 3: h.num = r.fixed64_double(); break;
      case 4: h.sum = r.fixed64_double(); break;
      case 5: h.sum_squares = r.fixed64_double(); break;
      case 6: for (double d : r.doubles()) h.bucket_limit.push_back(d); break;
      case 7: for (double d : r.doubles()) h.bucket.push_back(d); break;
      default: break;
    }
  }
  return h;
}

ImageProto decode_image(std::string_view bytes) {
  ImageProto image;
  proto::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: image.height = static_cast<int>(r.int64()); break;
      case 2: image.width = static_cast<int>(r.int64()); break;
      case 3: image.colorspace = static_cast<int>(r.int64()); break;
      case 4: image.encoded_image_string = std::string(r.bytes()); break;
      default: break;
    }
  }
  return image;
}

SummaryMetadata decode_metadata(std::string_view bytes) {
  SummaryMetadata m;
  proto::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: {
        proto::Reader plugin(r.bytes());
        while (plugin.next()) {
          if (plugin.field() == 1) m.plugin_name = std::string(plugin.bytes());
          else if (plugin.field() == 2) m.plugin_content = std::string(plugin.bytes());
        }
        break;
      }
      case 2: m.display_name = std::string(r.bytes()); break;
      case 3: m.summary_description = std::string(r.bytes()); break;
      case 4: m.data_class = static_cast<DataClass>(r.varint()); break;
      default: break;
    }
  }
  return m;
}

SummaryValue decode_value(std::string_view bytes) {
  SummaryValue v;
  proto::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: v.tag = std::string(r.bytes()); break;
      case 2: v.simple_value = r.fixed32_float(); break;
      case 4: v.image = decode_image(r.bytes()); break;
      case 5: v.histo = decode_histogram(r.bytes()); break;
      case 8: v.tensor = decode_tensor(r.bytes()); break;
      case 9: v.metadata = decode_metadata(r.bytes()); break;
      default: break;
    }
  }
  return v;
}

template <class T>
void append_content(std::vector<double>& out, const std::string& content) {
  const std::size_t n = content.size() / sizeof(T);
  for (std::size_t i = 0; i < n; ++i) {
    T value;
    std::memcpy(&value, content.data() + i * sizeof(T), sizeof(T));
    out.push_back(static_cast<double>(value));
  }
}

}  // namespace

std::vector<double> TensorProto::numbers() const {
  std::vector<double> out;
  if (!tensor_content.empty()) {
    switch (dtype) {
      case DataType::kFloat: append_content<float>(out, tensor_content); break;
      case DataType::kDouble: append_content<double>(out, tensor_content); break;
      case DataType::kInt32: append_content<std::int32_t>(out, tensor_content); break;
      case DataType::kInt64: append_content<std::int64_t>(out, tensor_content); break;
      case DataType::kUint8: append_content<std::uint8_t>(out, tensor_content); break;
      default: break;
    }
    return out;
  }
  for (float f : float_val) out.push_back(f);
  for (double d : double_val) out.push_back(d);
  for (auto i : int_val) out.push_back(static_cast<double>(i));
  // A single value fills the shape (proto version 0), within reason: a file is untrusted input.
  constexpr std::int64_t kMaxFill = std::int64_t{1} << 24;
  std::int64_t count = 1;
  for (auto d : shape) {
    if (d < 0 || (d > 0 && count > kMaxFill / d)) return out;
    count *= d;
  }
  if (out.size() == 1 && count > 1) out.assign(static_cast<std::size_t>(count), out[0]);
  return out;
}

std::string encode_event(const Event& event) {
  proto::Writer w;
  if (event.wall_time != 0) w.double_field(1, event.wall_time);
  if (event.step != 0) w.varint_field(2, static_cast<std::uint64_t>(event.step));
  if (event.file_version) w.bytes_field(3, *event.file_version);
  if (event.graph_def) w.bytes_field(4, *event.graph_def);
  if (event.summary) {
    proto::Writer summary;
    for (const auto& value : *event.summary) summary.bytes_field(1, encode_value(value));
    w.bytes_field(5, summary.bytes());
  }
  return w.take();
}

Event decode_event(std::string_view bytes) {
  Event event;
  proto::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: event.wall_time = r.fixed64_double(); break;
      case 2: event.step = r.int64(); break;
      case 3: event.file_version = std::string(r.bytes()); break;
      case 4: event.graph_def = std::string(r.bytes()); break;
      case 5: {
        event.summary.emplace();
        proto::Reader summary(r.bytes());
        while (summary.next())
          if (summary.field() == 1) event.summary->push_back(decode_value(summary.bytes()));
        break;
      }
      default: break;
    }
  }
  return event;
}

}  // namespace strata::summary
