// ballast/codec.h on its own: wire encodings by example, and the malformed
// inputs the Reader must refuse.

#include "ballast/codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ballast::codec {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(
        std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <class F>
std::string Write(F f) {
  std::string out;
  Writer w(&out);
  f(w);
  return Hex(out);
}

TEST(WriterTest, Varints) {
  EXPECT_EQ(Write([](Writer& w) { w.Varint(0); }), "00");
  EXPECT_EQ(Write([](Writer& w) { w.Varint(1); }), "01");
  EXPECT_EQ(Write([](Writer& w) { w.Varint(300); }), "ac02");
  EXPECT_EQ(Write([](Writer& w) { w.Varint(UINT64_MAX); }),
            "ffffffffffffffffff01");
}

TEST(WriterTest, ScalarsOmitDefaultsUnlessAlways) {
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<UInt64>(1, 0); }), "");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<UInt64>(1, 0, true); }), "0800");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<UInt64>(1, 150); }), "089601");
  EXPECT_EQ(Write([](Writer& w) { w.Bytes(2, ""); }), "");
  EXPECT_EQ(Write([](Writer& w) { w.Bytes(2, "", true); }), "1200");
  EXPECT_EQ(Write([](Writer& w) { w.Bytes(2, "testing"); }),
            "120774657374696e67");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<Bool>(3, true); }), "1801");
}

TEST(WriterTest, SignedEncodings) {
  // int32 -1 is sign-extended to a 10-byte varint, as libprotobuf does.
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<Int32>(1, -1); }),
            "08ffffffffffffffffff01");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<Int64>(1, -2); }),
            "08feffffffffffffffff01");
  // zigzag: -1 -> 1, 1 -> 2, INT32_MIN -> UINT32_MAX.
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<SInt32>(1, -1); }), "0801");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<SInt32>(1, 1); }), "0802");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<SInt32>(1, INT32_MIN); }),
            "08ffffffff0f");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<SInt64>(1, INT64_MIN); }),
            "08ffffffffffffffffff01");
}

TEST(WriterTest, Fixed) {
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<Fixed32>(1, 1); }), "0d01000000");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<SFixed32>(1, -1); }), "0dffffffff");
  EXPECT_EQ(Write([](Writer& w) { w.Scalar<Fixed64>(1, 0x0102030405060708); }),
            "090807060504030201");
}

TEST(WriterTest, PackedAndUnpacked) {
  std::vector<uint32_t> v = {1, 300};
  EXPECT_EQ(Write([&](Writer& w) { w.Repeated<UInt32>(4, v, true); }),
            "2203"
            "01ac02");
  EXPECT_EQ(Write([&](Writer& w) { w.Repeated<UInt32>(4, v, false); }),
            "2001"
            "20ac02");
  EXPECT_EQ(Write([&](Writer& w) { w.Repeated<UInt32>(4, {}, true); }), "");
}

TEST(WriterTest, LengthPatchingAcrossVarintSizes) {
  for (size_t len : {0u, 1u, 127u, 128u, 16383u, 16384u, 2097152u}) {
    std::string out;
    Writer w(&out);
    size_t mark = w.BeginLen(1);
    out.append(len, 'x');
    w.EndLen(mark);
    std::string expected;
    Writer e(&expected);
    e.Bytes(1, std::string(len, 'x'), true);
    EXPECT_EQ(out, expected) << "len " << len;
  }
}

TEST(ReaderTest, ReadsFieldsAndSkipsUnknownOnes) {
  // field 1 varint 150, field 9 fixed64, field 2 "hi", field 10 fixed32,
  // field 11 an unknown group holding a varint, field 3 varint 5.
  std::string bytes = Unhex(
      "089601"
      "490100000000000000"
      "12026869"
      "5502000000"
      "5b"
      "0801"
      "5c"
      "1805");
  Reader r(bytes);
  uint32_t field;
  WireType wt;
  uint64_t a = 0, c = 0;
  std::string b;
  while (r.Next(&field, &wt)) {
    bool ok = field == 1   ? r.Scalar<UInt64>(field, wt, &a)
              : field == 2 ? r.Bytes(field, wt, &b)
              : field == 3 ? r.Scalar<UInt64>(field, wt, &c)
                           : r.Skip(field, wt);
    ASSERT_TRUE(ok) << field;
  }
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(a, 150u);
  EXPECT_EQ(b, "hi");
  EXPECT_EQ(c, 5u);
}

TEST(ReaderTest, WrongWireTypeIsSkippedLikeAnUnknownField) {
  std::string bytes = Unhex("0a026869");
  Reader r(bytes);  // field 1 as bytes
  uint32_t field;
  WireType wt;
  uint64_t v = 7;
  ASSERT_TRUE(r.Next(&field, &wt));
  EXPECT_TRUE(r.Scalar<UInt64>(field, wt, &v));
  EXPECT_EQ(v, 7u);
  EXPECT_FALSE(r.Next(&field, &wt));
  EXPECT_TRUE(r.ok());
}

TEST(ReaderTest, RepeatedAcceptsPackedAndUnpacked) {
  std::string bytes = Unhex(
      "2203"
      "01ac02"
      "2005");
  Reader r(bytes);
  uint32_t field;
  WireType wt;
  std::vector<uint32_t> v;
  while (r.Next(&field, &wt)) ASSERT_TRUE(r.Repeated<UInt32>(field, wt, &v));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(v, (std::vector<uint32_t>{1, 300, 5}));
}

// Reads every field as an unknown one; true if the whole input is accepted.
bool Accepts(std::string_view hex) {
  std::string bytes = Unhex(hex);
  Reader r(bytes);
  uint32_t field;
  WireType wt;
  while (r.Next(&field, &wt)) {
    if (!r.Skip(field, wt)) return false;
  }
  return r.ok();
}

TEST(ReaderTest, RefusesMalformedInput) {
  EXPECT_TRUE(Accepts(""));
  EXPECT_TRUE(Accepts("0801"));
  EXPECT_FALSE(Accepts("08")) << "missing value";
  EXPECT_FALSE(Accepts("0880")) << "truncated varint";
  EXPECT_FALSE(Accepts("08ffffffffffffffffffff01")) << "11-byte varint";
  EXPECT_TRUE(Accepts("08ffffffffffffffffff7f")) << "10 bytes, extra bits";
  EXPECT_FALSE(Accepts("0001")) << "field number 0";
  EXPECT_FALSE(Accepts("0e00")) << "wire type 6";
  EXPECT_FALSE(Accepts("0f00")) << "wire type 7";
  EXPECT_FALSE(Accepts("0c")) << "end group without start";
  EXPECT_FALSE(Accepts("0b0801")) << "group without end";
  EXPECT_FALSE(Accepts("0b080114")) << "group ended by another field";
  EXPECT_TRUE(Accepts("0b08010c")) << "balanced group";
  EXPECT_FALSE(Accepts("0a05616263")) << "length past the end";
  EXPECT_FALSE(Accepts("0a8080808080006162")) << "6-byte length";
  EXPECT_FALSE(Accepts("0a80808080086162")) << "length over 2 GiB";
  EXPECT_FALSE(Accepts("0d010203")) << "truncated fixed32";
  EXPECT_FALSE(Accepts("0901020304050607")) << "truncated fixed64";
  EXPECT_FALSE(
      Accepts("888080808000"
              "01"))
      << "6-byte tag";
}

TEST(ReaderTest, PackedFixedMustBeWholeValues) {
  std::string bytes = Unhex(
      "5203"
      "010203");  // field 10, 3 bytes
  Reader r(bytes);
  uint32_t field;
  WireType wt;
  std::vector<uint32_t> v;
  ASSERT_TRUE(r.Next(&field, &wt));
  EXPECT_FALSE(r.Repeated<Fixed32>(field, wt, &v));
  EXPECT_FALSE(r.ok());
}

TEST(ReaderTest, StringsMustBeUtf8) {
  for (auto [hex, valid] : std::vector<std::pair<std::string, bool>>{
           {"68c3a9", true},     // "hé"
           {"f09f9880", true},   // U+1F600
           {"ff", false},        // not a UTF-8 byte
           {"c0af", false},      // overlong '/'
           {"eda080", false},    // surrogate U+D800
           {"f4908080", false},  // above U+10FFFF
           {"e282", false},      // truncated
       }) {
    std::string bytes =
        Unhex("0a") + static_cast<char>(hex.size() / 2) + Unhex(hex);
    Reader r(bytes);
    uint32_t field;
    WireType wt;
    std::string s;
    ASSERT_TRUE(r.Next(&field, &wt));
    EXPECT_EQ(r.String(field, wt, &s), valid) << hex;
    EXPECT_EQ(IsValidUtf8(Unhex(hex)), valid) << hex;
  }
}

}  // namespace
}  // namespace ballast::codec
