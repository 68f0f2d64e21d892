// Chain objects as the API shows them: typed views printed with bytes as
// 0x-hex, 64-bit integers as strings, enum names, and contract bytes decoded
// through the contract's interface when it is known.

#include "node/api/views.h"

#include "contracts/token/token.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "node/api/proto_json.h"
#include "tests/node/chain_fixture.h"

namespace ballast::api {
namespace {

using ::ballast::node::AddressOf;
using ::ballast::node::ContractDescriptor;
using ::ballast::node::ContractWasm;
using ::ballast::node::DevKey;
using ::ballast::node::SignTx;

using nlohmann::json;
using ::testing::HasSubstr;

TEST(ProtoJsonTest, PrintsHexBytesStringIntegersAndEnumNames) {
  ledger::Receipt r;
  r.set_tx_hash(std::string("\x01\xff", 2));
  r.set_block_height(12);
  r.set_tx_index(3);
  r.set_status(ledger::RECEIPT_STATUS_ABORTED);
  auto j = ProtoToJson(r);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(DumpJson(*j),
            R"({"block_height":"12","contract_address":"0x","error":"",)"
            R"("events":[],"gas_used":"0","output":"0x","status":)"
            R"("RECEIPT_STATUS_ABORTED","tx_hash":"0x01ff","tx_index":3})");

  ledger::Receipt back;
  ASSERT_TRUE(JsonToProto(*j, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), r.SerializeAsString());
}

TEST(ProtoJsonTest, HexHelpers) {
  EXPECT_EQ(HexBytes("\x0a\xbc"), "0x0abc");
  EXPECT_EQ(*ParseHexBytes("0xABcd", "x"), "\xab\xcd");
  EXPECT_EQ(*ParseHexBytes("", "x"), "");
  EXPECT_EQ(*ParseHexBytes("0x", "x"), "");
  EXPECT_THAT(ParseHexBytes("abcd", "field 'to'").status().message(),
              HasSubstr("field 'to': bytes must be 0x-prefixed hex"));
  EXPECT_FALSE(ParseJson("{").ok());
  EXPECT_EQ(DumpJson(json("\xff")), "\"\xef\xbf\xbd\"");  // no throw
}

// Printing and converting JSON recurse once per level: ParseJson refuses a
// document deeper than kMaxJsonDepth before anything else sees it.
TEST(ProtoJsonTest, DeeplyNestedJsonIsRefused) {
  auto nested = [](int levels, std::string_view open, std::string_view close) {
    std::string text;
    for (int i = 0; i < levels; ++i) text += open;
    text += "1";
    for (int i = 0; i < levels; ++i) text += close;
    return text;
  };
  EXPECT_TRUE(ParseJson(nested(kMaxJsonDepth, "[", "]")).ok());
  EXPECT_TRUE(ParseJson(nested(kMaxJsonDepth, "{\"a\":", "}")).ok());
  // Objects and arrays count together.
  std::string mixed = "{\"m\": " + nested(kMaxJsonDepth - 1, "[", "]") + "}";
  EXPECT_TRUE(ParseJson(mixed).ok());
  std::string too_deep = "{\"m\": " + nested(kMaxJsonDepth, "[", "]") + "}";
  for (const std::string& text :
       {nested(kMaxJsonDepth + 1, "[", "]"), too_deep,
        "{\"method\": " + nested(200'000, "[", "]") + "}",
        "{\"args\": " + nested(200'000, "{\"a\": [", "]}") + "}"}) {
    auto parsed = ParseJson(text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << text.substr(0, 40);
    EXPECT_EQ(parsed.status().message(), "JSON nested deeper than 64 levels");
  }
}

// The JSON the API prints for a view.
json J(const google::protobuf::Message& view) {
  auto j = ProtoToJson(view);
  EXPECT_TRUE(j.ok()) << j.status();
  return j.ok() ? *j : json();
}

class ChainJsonTest : public ::testing::Test {
 protected:
  ChainJsonTest() {
    lookup_ = [this](std::string_view address)
        -> absl::StatusOr<std::optional<ContractInterface>> {
      if (address == token_addr_) return token_;
      return std::nullopt;
    };
  }

  ledger::SignedTransaction TransferTx(uint64_t amount) {
    token::TransferRequest req;
    req.set_to(std::string(20, '\x02'));
    req.set_amount(amount);
    ledger::Transaction tx;
    tx.set_chain_id("c");
    tx.set_nonce(4);
    tx.set_gas_limit(1000);
    tx.mutable_call()->set_contract(token_addr_);
    tx.mutable_call()->set_method("transfer");
    tx.mutable_call()->set_input(req.SerializeAsString());
    return SignTx(key_, tx);
  }

  KeyPair key_ = DevKey('k');
  std::string token_addr_ = std::string(20, '\x07');
  ContractInterface token_ =
      *ContractInterface::FromDescriptorSet(ContractDescriptor("token"));
  InterfaceLookup lookup_;
};

TEST_F(ChainJsonTest, TransactionShowsSenderAndDecodedArgs) {
  ledger::SignedTransaction stx = TransferTx(25);
  json j = J(TransactionViewOf(stx, &token_));
  EXPECT_EQ(j["hash"], HexBytes(ledger::TxHash(stx)));
  EXPECT_EQ(j["sender"], HexBytes(AddressOf(key_)));
  EXPECT_EQ(j["signature"], HexBytes(stx.signature()));
  EXPECT_EQ(j["tx"]["nonce"], "4");
  EXPECT_EQ(j["tx"]["chain_id"], "c");
  EXPECT_EQ(j["tx"]["sender_pubkey"], HexBytes(key_.public_key));
  EXPECT_EQ(j["tx"]["call"]["method"], "transfer");
  EXPECT_EQ(j["tx"]["call"]["contract"], HexBytes(token_addr_));
  EXPECT_EQ(
      DumpJson(j["tx"]["call"]["args"]),
      R"({"amount":"25","to":"0x)" + ToHex(std::string(20, '\x02')) + R"("})");
  // Without an interface: only the hex input.
  EXPECT_FALSE(J(TransactionViewOf(stx))["tx"]["call"].contains("args"));
  EXPECT_EQ(j["status"], "pending");
}

TEST_F(ChainJsonTest, DeployShowsCodeHashNotCode) {
  ledger::Transaction tx;
  tx.set_chain_id("c");
  tx.mutable_deploy()->set_code(ContractWasm("token"));
  tx.mutable_deploy()->set_interface(ContractDescriptor("token"));
  token::InitRequest init;
  init.set_name("T");
  tx.mutable_deploy()->set_init_input(init.SerializeAsString());
  json j = J(TransactionViewOf(SignTx(key_, tx)));
  const json& d = j["tx"]["deploy"];
  EXPECT_EQ(d["code_hash"], HexBytes(Sha256(ContractWasm("token"))));
  EXPECT_EQ(d["code_size"], ContractWasm("token").size());
  EXPECT_FALSE(d.contains("code"));
  EXPECT_EQ(d["init_args"]["name"], "T");
}

TEST_F(ChainJsonTest, ReceiptDecodesResultAndEventsOfKnownContracts) {
  ledger::Receipt r;
  r.set_status(ledger::RECEIPT_STATUS_SUCCESS);
  token::BalanceOfResponse out;
  out.set_balance(99);
  r.set_output(out.SerializeAsString());
  token::TransferEvent ev;
  ev.set_amount(5);
  auto* e = r.add_events();
  e->set_contract(token_addr_);
  e->set_name("TransferEvent");
  e->set_data(ev.SerializeAsString());
  auto* other = r.add_events();
  other->set_contract(std::string(20, '\x09'));
  other->set_name("Whatever");

  json j = J(*ReceiptViewOf(r, &lookup_, token_addr_, "balance_of"));
  EXPECT_EQ(j["status"], "RECEIPT_STATUS_SUCCESS");
  EXPECT_EQ(j["result"]["balance"], "99");
  EXPECT_EQ(j["events"][0]["args"]["amount"], "5");
  EXPECT_EQ(j["events"][0]["name"], "TransferEvent");
  EXPECT_FALSE(j["events"][1].contains("args"));

  // Undecodable output: the hex stays, the reason is given.
  r.set_output("\xff\xff");
  j = J(*ReceiptViewOf(r, &lookup_, token_addr_, "balance_of"));
  EXPECT_FALSE(j.contains("result"));
  EXPECT_THAT(j["decode_error"].get<std::string>(), HasSubstr("do not parse"));
}

TEST_F(ChainJsonTest, BlockListsTxHashes) {
  ledger::Block b;
  b.mutable_header()->set_height(7);
  *b.add_txs() = TransferTx(1);
  json j = J(BlockViewOf(b));
  EXPECT_EQ(j["hash"], HexBytes(ledger::BlockHash(b.header())));
  EXPECT_EQ(j["header"]["height"], "7");
  EXPECT_EQ(j["txs"][0], HexBytes(ledger::TxHash(b.txs(0))));
}

// A failed interface lookup fails the receipt's view: the node's own error
// is never shown as "no interface".
TEST_F(ChainJsonTest, AFailedInterfaceLookupIsAnError) {
  ledger::Receipt r;
  r.set_status(ledger::RECEIPT_STATUS_SUCCESS);
  r.add_events()->set_contract(token_addr_);
  InterfaceLookup failing =
      [](std::string_view) -> absl::StatusOr<std::optional<ContractInterface>> {
    return absl::UnavailableError("disk gone");
  };
  auto view = ReceiptViewOf(r, &failing, token_addr_, "balance_of");
  EXPECT_EQ(view.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ballast::api
