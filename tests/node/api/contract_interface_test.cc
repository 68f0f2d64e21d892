// ContractInterface on the token's real descriptor (built by protoc for the
// em++ contract): methods and events by the interface convention, JSON <->
// bytes identical to libprotobuf's generated code, bytes as 0x-hex only, and
// errors that name the method or field. CompileInterface reproduces protoc.

#include "node/api/contract_interface.h"

#include <google/protobuf/descriptor.pb.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "contracts/token/token.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/node/chain_fixture.h"
#include "tests/testing/temp_dir.h"

namespace ballast::api {
namespace {

using ::ballast::node::ContractDescriptor;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ContractInterface Token() {
  auto iface =
      ContractInterface::FromDescriptorSet(ContractDescriptor("token"));
  EXPECT_TRUE(iface.ok()) << iface.status();
  return *iface;
}

const std::string kAlice(20, '\xaa');
const std::string kAliceHex = "0x" + std::string(40, 'a');

TEST(ContractInterfaceTest, MethodsAndEventsFollowTheConvention) {
  ContractInterface token = Token();
  EXPECT_EQ(token.ServiceName(), "ballast.token.Token");
  EXPECT_THAT(token.Methods(),
              ElementsAre("init", "name", "symbol", "decimals", "total_supply",
                          "balance_of", "allowance", "minters", "transfer",
                          "approve", "transfer_from", "mint", "burn"));
  EXPECT_THAT(token.Events(), ElementsAre("TransferEvent", "ApprovalEvent",
                                          "MintEvent", "BurnEvent"));
  EXPECT_TRUE(token.HasMethod("transfer"));
  EXPECT_FALSE(token.HasMethod("TransferRequest"));
  EXPECT_TRUE(token.HasEvent("MintEvent"));
  EXPECT_FALSE(token.HasEvent("TokenMeta"));
  EXPECT_EQ(token.descriptor_set(), ContractDescriptor("token"));
}

TEST(ContractInterfaceTest, EncodesExactlyAsGeneratedCode) {
  ContractInterface token = Token();
  auto bytes = token.EncodeRequest(
      "transfer", R"({"to": ")" + kAliceHex + R"(", "amount": "1000"})");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  token::TransferRequest expected;
  expected.set_to(kAlice);
  expected.set_amount(1000);
  EXPECT_EQ(*bytes, expected.SerializeAsString());

  // Numbers for 64-bit fields, camelCase names, repeated bytes.
  auto init = token.EncodeRequest(
      "init", R"({"name": "Demo", "symbol": "D", "minters": [")" + kAliceHex +
                  R"(", "0x0102"], "initialHolder": ")" + kAliceHex +
                  R"(", "initial_supply": 5})");
  ASSERT_TRUE(init.ok()) << init.status();
  token::InitRequest want;
  want.set_name("Demo");
  want.set_symbol("D");
  want.add_minters(kAlice);
  want.add_minters("\x01\x02");
  want.set_initial_holder(kAlice);
  want.set_initial_supply(5);
  EXPECT_EQ(*init, want.SerializeAsString());
}

TEST(ContractInterfaceTest, DecodesWithHexBytesAndDefaults) {
  ContractInterface token = Token();
  token::TransferRequest req;
  req.set_to(kAlice);
  req.set_amount(7);
  EXPECT_EQ(*token.DecodeRequest("transfer", req.SerializeAsString()),
            R"({"amount":"7","to":")" + kAliceHex + R"("})");
  // Default values are printed, not omitted.
  EXPECT_EQ(*token.DecodeResponse("balance_of", ""), R"({"balance":"0"})");
  EXPECT_EQ(*token.DecodeResponse("minters", ""), R"({"minters":[]})");
  EXPECT_EQ(*token.DecodeResponse("transfer", ""), "{}");

  token::MintEvent ev;
  ev.set_minter(kAlice);
  ev.set_to(std::string("\x00\x01", 2));
  ev.set_amount(3);
  EXPECT_EQ(*token.DecodeEvent("MintEvent", ev.SerializeAsString()),
            R"({"amount":"3","minter":")" + kAliceHex + R"(","to":"0x0001"})");
}

TEST(ContractInterfaceTest, RoundTripsResponsesAndEvents) {
  ContractInterface token = Token();
  std::string json = R"({"minters":[")" + kAliceHex + R"(","0x"]})";
  auto bytes = token.EncodeResponse("minters", json);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*token.DecodeResponse("minters", *bytes), json);

  auto ev = token.EncodeEvent("TransferEvent",
                              R"({"from":"0x01","to":"0x02","amount":9})");
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_EQ(*token.DecodeEvent("TransferEvent", *ev),
            R"({"amount":"9","from":"0x01","to":"0x02"})");
}

TEST(ContractInterfaceTest, EmptyJsonIsAnEmptyMessage) {
  ContractInterface token = Token();
  EXPECT_EQ(*token.EncodeRequest("total_supply", ""), "");
  EXPECT_EQ(*token.EncodeRequest("total_supply", " \n"), "");
  EXPECT_EQ(*token.EncodeRequest("total_supply", "{}"), "");
}

TEST(ContractInterfaceTest, UnknownMethodOrEventNamesTheKnownOnes) {
  ContractInterface token = Token();
  auto s = token.EncodeRequest("tranfer", "{}").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            "no method 'tranfer' (methods: init, name, symbol, decimals, "
            "total_supply, balance_of, allowance, minters, transfer, approve, "
            "transfer_from, mint, burn)");
  s = token.DecodeEvent("Transfer", "").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            "no event 'Transfer' (events: TransferEvent, ApprovalEvent, "
            "MintEvent, BurnEvent)");
}

TEST(ContractInterfaceTest, BadJsonIsInvalidArgumentNamingTheProblem) {
  ContractInterface token = Token();
  struct Case {
    std::string json;
    std::string message;
  } cases[] = {
      {R"({"to": )", "transfer request: malformed JSON"},
      {"[1, 2]",
       "transfer request: expected a JSON object for TransferRequest"},
      {R"({"to": "AAAA"})",
       "transfer request: field 'to': bytes must be 0x-prefixed hex, got "
       "'AAAA'"},
      {R"({"to": "0xzz"})", "field 'to': bytes must be 0x-prefixed hex"},
      {R"({"to": "0x123"})", "odd length"},
      {R"({"to": 5})",
       "field 'to': bytes must be a 0x-prefixed hex string, got 5"},
      {R"({"amount": "lots"})", "transfer request: TransferRequest: "},
      {R"({"amount": -1})", "transfer request: TransferRequest: "},
      {R"({"amount": true})", "transfer request: TransferRequest: "},
      {R"({"amont": 1})", "amont"},
  };
  for (const Case& c : cases) {
    auto s = token.EncodeRequest("transfer", c.json).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.json;
  }
  auto s =
      token.EncodeRequest("init", R"({"minters": ["0x01", "bad"]})").status();
  EXPECT_THAT(s.message(), HasSubstr("field 'minters[1]'"));
}

TEST(ContractInterfaceTest, BytesThatDoNotParseAreRefused) {
  ContractInterface token = Token();
  auto s = token.DecodeResponse("balance_of", "\xff\xff\xff").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("balance_of response: 3 bytes do not parse as "
                        "ballast.token.BalanceOfResponse"));
}

TEST(ContractInterfaceTest, RefusesDescriptorSetsThatAreNotOneService) {
  EXPECT_THAT(
      ContractInterface::FromDescriptorSet("\xff garbage").status().message(),
      HasSubstr("not a serialized google.protobuf.FileDescriptorSet"));
  EXPECT_THAT(ContractInterface::FromDescriptorSet("").status().message(),
              HasSubstr("empty"));

  google::protobuf::FileDescriptorSet set;
  auto* f = set.add_file();
  f->set_name("x.proto");
  f->set_syntax("proto3");
  f->add_message_type()->set_name("M");
  EXPECT_THAT(ContractInterface::FromDescriptorSet(set.SerializeAsString())
                  .status()
                  .message(),
              HasSubstr("x.proto declares 0 services"));

  f->add_dependency("missing.proto");
  EXPECT_THAT(
      ContractInterface::FromDescriptorSet(set.SerializeAsString())
          .status()
          .message(),
      HasSubstr("imports missing.proto, which the descriptor set lacks"));

  f->clear_dependency();
  auto* svc = f->add_service();
  svc->set_name("S");
  auto* m = svc->add_method();
  m->set_name("run");
  m->set_input_type(".Nope");
  m->set_output_type(".M");
  auto s = ContractInterface::FromDescriptorSet(set.SerializeAsString());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("Nope"));

  m->set_input_type(".M");
  auto ok = ContractInterface::FromDescriptorSet(set.SerializeAsString());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(ok->Methods(), ElementsAre("run"));
  EXPECT_TRUE(ok->Events().empty());
}

// Found by the interface fuzz target: a hand-made set may give a field the
// json_name of another, and the JSON mapping then reads one field's value
// into the other (tests/fuzz/regressions/interface).
TEST(ContractInterfaceTest, RefusesFieldsSharingAJsonName) {
  google::protobuf::FileDescriptorSet set;
  auto* f = set.add_file();
  f->set_name("x.proto");
  f->set_syntax("proto2");
  auto* msg = f->add_message_type();
  msg->set_name("BurnEvent");
  auto* minter = msg->add_field();
  minter->set_name("minter");
  minter->set_number(1);
  minter->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  minter->set_type(google::protobuf::FieldDescriptorProto::TYPE_BYTES);
  minter->set_json_name("amount");
  auto* amount = msg->add_field();
  amount->set_name("amount");
  amount->set_number(2);
  amount->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  amount->set_type(google::protobuf::FieldDescriptorProto::TYPE_UINT64);
  auto* m = f->add_service()->add_method();
  f->mutable_service(0)->set_name("S");
  m->set_name("run");
  m->set_input_type(".BurnEvent");
  m->set_output_type(".BurnEvent");
  auto s = ContractInterface::FromDescriptorSet(set.SerializeAsString());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(),
              HasSubstr("message 'BurnEvent': fields 'minter' and 'amount' "
                        "share the JSON name 'amount'"));

  minter->set_json_name("minter");
  auto ok = ContractInterface::FromDescriptorSet(set.SerializeAsString());
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(ContractInterfaceTest, CopiesShareTheInterfaceAcrossThreads) {
  ContractInterface token = Token();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([copy = token, t, &failures] {
      for (int i = 0; i < 200; ++i) {
        std::string json = R"({"amount":")" + std::to_string(t * 1000 + i) +
                           R"(","to":"0x01"})";
        auto bytes = copy.EncodeRequest("transfer", json);
        if (!bytes.ok() || *copy.DecodeRequest("transfer", *bytes) != json) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
}

// ---- CompileInterface ----

class CompileInterfaceTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::filesystem::create_directories(
        std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  test::TempDir tmp_{"ballast-proto"};
  std::string dir_ = tmp_.path();
};

TEST_F(CompileInterfaceTest, ReproducesProtocForTheToken) {
  std::string contracts = std::string(BALLAST_SOURCE_DIR) + "/contracts";
  auto desc = CompileInterface(contracts + "/token/token.proto", {contracts});
  ASSERT_TRUE(desc.ok()) << desc.status();
  EXPECT_EQ(*desc, ContractDescriptor("token"));
}

TEST_F(CompileInterfaceTest, IncludesImportsFirst) {
  Write("lib/common.proto", R"(syntax = "proto3";
package lib;
message Amount { uint64 value = 1; bytes owner = 2; })");
  std::string main = Write("app/vault.proto", R"(syntax = "proto3";
package vault;
import "lib/common.proto";
service Vault { rpc deposit(DepositRequest) returns (lib.Amount); }
message DepositRequest { lib.Amount amount = 1; repeated lib.Amount more = 2; }
message DepositEvent { lib.Amount amount = 1; })");
  auto desc = CompileInterface(main, {dir_});
  ASSERT_TRUE(desc.ok()) << desc.status();
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromString(*desc));
  ASSERT_EQ(set.file_size(), 2);
  EXPECT_EQ(set.file(0).name(), "lib/common.proto");
  EXPECT_EQ(set.file(1).name(), "app/vault.proto");

  auto vault = ContractInterface::FromDescriptorSet(*desc);
  ASSERT_TRUE(vault.ok()) << vault.status();
  EXPECT_THAT(vault->Methods(), ElementsAre("deposit"));
  EXPECT_THAT(vault->Events(), ElementsAre("DepositEvent"));
  // Bytes inside nested and repeated messages are hex too.
  std::string json =
      R"({"amount":{"owner":"0xab","value":"1"},"more":[{"owner":"0xcd","value":"2"}]})";
  auto bytes = vault->EncodeRequest("deposit", json);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*vault->DecodeRequest("deposit", *bytes), json);
  EXPECT_THAT(vault->EncodeRequest("deposit", R"({"more":[{"owner":"q"}]})")
                  .status()
                  .message(),
              HasSubstr("field 'more[0].owner'"));
}

TEST_F(CompileInterfaceTest, ErrorsNameFileAndLine) {
  std::string bad = Write("bad.proto", "syntax = \"proto3\";\nmessage {\n");
  auto s = CompileInterface(bad, {});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("bad.proto:2:"));

  std::string imports =
      Write("imp.proto",
            "syntax = \"proto3\";\nimport \"nowhere.proto\";\n"
            "service S {}\n");
  EXPECT_THAT(CompileInterface(imports, {}).status().message(),
              HasSubstr("nowhere.proto"));

  std::string no_service =
      Write("plain.proto", "syntax = \"proto3\";\nmessage M {}\n");
  EXPECT_THAT(CompileInterface(no_service, {}).status().message(),
              HasSubstr("declares 0 services"));

  EXPECT_EQ(CompileInterface(dir_ + "/absent.proto", {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CompileInterfaceTest, DeepRecursiveMessagesAreRefused) {
  std::string path = Write("tree.proto", R"(syntax = "proto3";
service Tree { rpc put(Node) returns (Node); }
message Node { Node child = 1; bytes leaf = 2; })");
  auto desc = CompileInterface(path, {});
  ASSERT_TRUE(desc.ok()) << desc.status();
  auto tree = ContractInterface::FromDescriptorSet(*desc);
  ASSERT_TRUE(tree.ok());
  std::string json;
  for (int i = 0; i < 1000; ++i) json += R"({"child":)";
  json += "{}";
  for (int i = 0; i < 1000; ++i) json += "}";
  auto s = tree->EncodeRequest("put", json).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("nested deeper than"));
}

}  // namespace
}  // namespace ballast::api
