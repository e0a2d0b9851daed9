#pragma once
// The messages of an event file, as plain structs, with their protobuf encoding (protobuf.hpp).
// Field numbers are those of TensorBoard's compat/proto/{event,summary,histogram,tensor,
// tensor_shape,types}.proto; only the fields TensorBoard's dashboards read are kept.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::summary {

// types.proto's DataType, the values used here.
enum class DataType : int { kInvalid = 0, kFloat = 1, kDouble = 2, kInt32 = 3, kUint8 = 4, kString = 7, kInt64 = 9 };
// summary.proto's DataClass.
enum class DataClass : int { kUnknown = 0, kScalar = 1, kTensor = 2, kBlobSequence = 3 };

struct TensorProto {
  DataType dtype = DataType::kInvalid;
  std::vector<std::int64_t> shape;  // tensor_shape.dim[i].size; empty: a scalar
  std::string tensor_content;       // raw little-endian values (numbers)
  std::vector<float> float_val;
  std::vector<double> double_val;
  std::vector<std::int64_t> int_val;    // int_val and int64_val, read back here
  std::vector<std::string> string_val;  // DT_STRING
  // The numbers, as doubles, whichever field holds them (float_val, double_val, int_val or
  // tensor_content by dtype); a single *_val value fills the shape (proto version 0) when
  // that shape has at most 2^24 elements.
  std::vector<double> numbers() const;
};

struct HistogramProto {  // TF1's histogram (Summary.Value.histo)
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};

struct ImageProto {  // Summary.Image
  int height = 0, width = 0, colorspace = 0;
  std::string encoded_image_string;
};

struct SummaryMetadata {
  std::string plugin_name;     // plugin_data.plugin_name
  std::string plugin_content;  // plugin_data.content
  std::string display_name, summary_description;
  DataClass data_class = DataClass::kUnknown;
};

struct SummaryValue {
  std::string tag;
  std::optional<SummaryMetadata> metadata;
  // The value: one of these.
  std::optional<float> simple_value;
  std::optional<ImageProto> image;
  std::optional<HistogramProto> histo;
  std::optional<TensorProto> tensor;
};

struct Event {
  double wall_time = 0;
  std::int64_t step = 0;
  // What the event holds: one of these.
  std::optional<std::string> file_version;
  std::optional<std::string> graph_def;
  std::optional<std::vector<SummaryValue>> summary;
};

// Serialized as protoc does (fields in number order, defaults left out).
std::string encode_event(const Event& event);
// Throws IOError on a malformed message; unknown fields are skipped.
Event decode_event(std::string_view bytes);

}  // namespace strata::summary
