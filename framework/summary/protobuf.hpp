#pragma once
// The protocol-buffer wire format, by hand, for the few messages an event file holds
// (event.hpp): varints, fixed 64/32-bit numbers, and length-delimited fields (strings, bytes,
// sub-messages, packed repeated numbers). See README.md for why there is no generated code.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::summary::proto {

enum WireType : int { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Appends fields to a message. Proto3 omits fields that hold their default value; callers decide
// (event.cpp skips zeros and empty strings as protoc's serializer does).
class Writer {
 public:
  void varint_field(int field, std::uint64_t value);  // int32 / int64 (two's complement) / enum / bool
  void double_field(int field, double value);
  void float_field(int field, float value);
  void bytes_field(int field, std::string_view bytes);  // string, bytes or a sub-message
  void packed_doubles(int field, const std::vector<double>& values);
  void packed_floats(int field, const std::vector<float>& values);
  void packed_varints(int field, const std::vector<std::int64_t>& values);

  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void tag(int field, WireType type);
  void varint(std::uint64_t value);
  std::string out_;
};

// Reads a message field by field; a malformed message throws IOError ("malformed protobuf ...").
class Reader {
 public:
  explicit Reader(std::string_view message) : data_(message) {}
  // Moves to the next field; false at the end of the message.
  bool next();
  int field() const { return field_; }
  WireType wire_type() const { return type_; }
  std::uint64_t varint() const;
  std::int64_t int64() const { return static_cast<std::int64_t>(varint()); }
  double fixed64_double() const;
  float fixed32_float() const;
  std::string_view bytes() const;  // a length-delimited field
  // A repeated number field, packed or not: the values of this occurrence.
  std::vector<double> doubles() const;
  std::vector<float> floats() const;
  std::vector<std::int64_t> varints() const;

 private:
  void expect(WireType type, const char* what) const;
  std::string_view data_;
  std::size_t pos_ = 0;
  int field_ = 0;
  WireType type_ = kVarint;
  std::uint64_t number_ = 0;  // varint, or the raw bits of a fixed field
  std::string_view bytes_;
};

}  // namespace strata::summary::proto
