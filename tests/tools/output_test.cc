// The CLI's pure helpers: text layout, JSON numbers, addresses, node URLs.

#include "tools/cli/output.h"

#include "gtest/gtest.h"
#include "tools/cli/commands.h"

namespace ballast::cli {
namespace {

TEST(FieldsTest, AlignsValuesAfterTheWidestKey) {
  std::string text = Fields()
                         .Add("tx", "0xabc")
                         .Add("gas used", "123")
                         .AddIfSet("error", "")
                         .Add("result", "{\n  \"a\": 1\n}")
                         .Render();
  EXPECT_EQ(text,
            "tx        0xabc\n"
            "gas used  123\n"
            "result    {\n"
            "            \"a\": 1\n"
            "          }\n");
  EXPECT_EQ(Fields().Add("k", "").Render(2), "  k\n");
}

TEST(TableTest, PadsColumnsButNotTheLast) {
  Table t({"NAME", "ADDRESS"});
  t.AddRow({"alice", "0x01"});
  t.AddRow({"bob", "0x0203"});
  EXPECT_EQ(t.Render(),
            "NAME   ADDRESS\n"
            "alice  0x01\n"
            "bob    0x0203\n");
}

TEST(OutputTest, ScalarsAndStatusNames) {
  EXPECT_EQ(ReceiptStatusName("RECEIPT_STATUS_SUCCESS"), "success");
  EXPECT_EQ(ReceiptStatusName("RECEIPT_STATUS_OUT_OF_GAS"), "out of gas");
  EXPECT_EQ(ReceiptStatusName("pending"), "pending");
}

TEST(OutputTest, TimesAreUtcIso8601) {
  EXPECT_EQ(FormatTimeMs("1700000000123"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatTimeMs("0"), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimeMs("soon"), "soon");
  EXPECT_EQ(FormatTimeMs(""), "");
}

TEST(ParseAddressTest, WithOrWithout0x) {
  const std::string hex = "00112233445566778899aabbccddeeff00112233";
  auto a = ParseAddress(hex);
  auto b = ParseAddress("0x" + hex);
  auto c = ParseAddress("0X00112233445566778899AABBCCDDEEFF00112233");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->size(), 20u);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
  for (const std::string& bad :
       {std::string(""), hex.substr(2), hex + "00", "0x" + hex.substr(1) + "g",
        std::string("alice")}) {
    auto r = ParseAddress(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << bad;
  }
  EXPECT_NE(ParseAddress("alice").status().message().find("not an address"),
            std::string::npos);
}

}  // namespace
}  // namespace ballast::cli
