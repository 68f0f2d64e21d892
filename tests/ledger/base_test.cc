// ledger/base: hex, SHA-256, big-endian encodings, UTF-8 sanitizing.

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"

namespace ballast {
namespace {

TEST(BytesTest, HexRoundTrip) {
  EXPECT_EQ(ToHex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(*FromHex("0x00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(FromHex("abc").status().message(), "hex string has odd length 3");
  EXPECT_EQ(FromHex("zz").status().message(),
            "invalid hex character at offset 0");
}

TEST(BytesTest, Sha256KnownAnswer) {
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BytesTest, BigEndianKeepsNumericOrder) {
  EXPECT_LT(EncodeBigEndian64(255), EncodeBigEndian64(256));
  EXPECT_EQ(DecodeBigEndian64(EncodeBigEndian64(0x0102030405060708)),
            0x0102030405060708u);
  EXPECT_EQ(DecodeBigEndian32(EncodeBigEndian32(77)), 77u);
}

TEST(StringsTest, SanitizeUtf8KeepsValidTextAndEscapesTheRest) {
  EXPECT_EQ(SanitizeUtf8("plain"), "plain");
  EXPECT_EQ(SanitizeUtf8("pr\xc3\xa9t \xe2\x82\xac"),
            "pr\xc3\xa9t \xe2\x82\xac");
  EXPECT_EQ(SanitizeUtf8("bad \xff byte"), "bad \\xff byte");
  EXPECT_EQ(SanitizeUtf8("\xc3"), "\\xc3");                    // truncated
  EXPECT_EQ(SanitizeUtf8("\xc0\xaf"), "\\xc0\\xaf");           // overlong
  EXPECT_EQ(SanitizeUtf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(StringsTest, StrCatTakesStdStringView) {
  std::string_view sv = "view";
  EXPECT_EQ(StrCat("a ", sv, " ", 42), "a view 42");
}

}  // namespace
}  // namespace ballast
