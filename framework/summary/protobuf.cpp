#include "strata/framework/summary/protobuf.hpp"

#include <bit>
#include <cstring>

#include "strata/framework/errors.hpp"

namespace strata::summary::proto {
namespace {

[[noreturn]] void malformed(const std::string& why) { throw IOError("malformed protobuf message: " + why); }

std::uint64_t read_varint(std::string_view data, std::size_t& pos) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= data.size()) malformed("a varint runs past the end");
    const auto byte = static_cast<unsigned char>(data[pos++]);
    value |= std::uint64_t(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return value;
  }
  malformed("a varint is longer than 10 bytes");
}

template <class T>
void append_little_endian(std::string& out, T value) {
  static_assert(std::endian::native == std::endian::little, "event files are little-endian");
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

}  // namespace

void Writer::varint(std::uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void Writer::tag(int field, WireType type) { varint((std::uint64_t(field) << 3) | type); }

void Writer::varint_field(int field, std::uint64_t value) {
  tag(field, kVarint);
  varint(value);
}

void Writer::double_field(int field, double value) {
  tag(field, kFixed64);
  append_little_endian(out_, value);
}

void Writer::float_field(int field, float value) {
  tag(field, kFixed32);
  append_little_endian(out_, value);
}

void Writer::bytes_field(int field, std::string_view bytes) {
  tag(field, kLengthDelimited);
  varint(bytes.size());
  out_.append(bytes);
}

void Writer::packed_doubles(int field, const std::vector<double>& values) {
  if (values.empty()) return;
  tag(field, kLengthDelimited);
  varint(values.size() * sizeof(double));
  for (double v : values) append_little_endian(out_, v);
}

void Writer::packed_floats(int field, const std::vector<float>& values) {
  if (values.empty()) return;
  tag(field, kLengthDelimited);
  varint(values.size() * sizeof(float));
  for (float v : values) append_little_endian(out_, v);
}

void Writer::packed_varints(int field, const std::vector<std::int64_t>& values) {
  if (values.empty()) return;
  Writer body;
  for (auto v : values) body.varint(static_cast<std::uint64_t>(v));
  bytes_field(field, body.bytes());
}

bool Reader::next() {
  if (pos_ >= data_.size()) return false;
  const std::uint64_t key = read_varint(data_, pos_);
  field_ = static_cast<int>(key >> 3);
  if (field_ == 0) malformed("field number 0");
  type_ = static_cast<WireType>(key & 7);
  switch (type_) {
    case kVarint:
      number_ = read_varint(data_, pos_);
      break;
    case kFixed64:
    case kFixed32: {
      const std::size_t size = type_ == kFixed64 ? 8 : 4;
      if (data_.size() - pos_ < size) malformed("a fixed-size field runs past the end");
      number_ = 0;
      std::memcpy(&number_, data_.data() + pos_, size);
      pos_ += size;
      break;
    }
    case kLengthDelimited: {
      const std::uint64_t size = read_varint(data_, pos_);
      if (size > data_.size() - pos_) malformed("a length-delimited field of " + std::to_string(size) + " bytes runs past the end");
      bytes_ = data_.substr(pos_, size);
      pos_ += size;
      break;
    }
    default:
      malformed("unsupported wire type " + std::to_string(static_cast<int>(type_)) + " (field " + std::to_string(field_) + ")");
  }
  return true;
}

void Reader::expect(WireType type, const char* what) const {
  if (type_ != type)
    malformed("field " + std::to_string(field_) + " should be " + what + ", got wire type " + std::to_string(static_cast<int>(type_)));
}

std::uint64_t Reader::varint() const {
  expect(kVarint, "a varint");
  return number_;
}

double Reader::fixed64_double() const {
  expect(kFixed64, "a double");
  return std::bit_cast<double>(number_);
}

float Reader::fixed32_float() const {
  expect(kFixed32, "a float");
  return std::bit_cast<float>(static_cast<std::uint32_t>(number_));
}

std::string_view Reader::bytes() const {
  expect(kLengthDelimited, "length-delimited");
  return bytes_;
}

std::vector<double> Reader::doubles() const {
  if (type_ == kFixed64) return {fixed64_double()};
  const auto packed = bytes();
  if (packed.size() % 8) malformed("packed doubles of " + std::to_string(packed.size()) + " bytes");
  std::vector<double> out(packed.size() / 8);
  std::memcpy(out.data(), packed.data(), packed.size());
  return out;
}

std::vector<float> Reader::floats() const {
  if (type_ == kFixed32) return {fixed32_float()};
  const auto packed = bytes();
  if (packed.size() % 4) malformed("packed floats of " + std::to_string(packed.size()) + " bytes");
  std::vector<float> out(packed.size() / 4);
  std::memcpy(out.data(), packed.data(), packed.size());
  return out;
}

std::vector<std::int64_t> Reader::varints() const {
  if (type_ == kVarint) return {int64()};
  const auto packed = bytes();
  std::vector<std::int64_t> out;
  for (std::size_t pos = 0; pos < packed.size();) out.push_back(static_cast<std::int64_t>(read_varint(packed, pos)));
  return out;
}

}  // namespace strata::summary::proto
