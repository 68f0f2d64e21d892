// Every recursion on untrusted input is iterative or bounded (issue 7, item
// 1): each input here is run at its limit and past it on a thread with a
// small stack (small_stack.h), and must give a result or a clean refusal,
// never a stack overflow. Deploy-time wasm nesting is tested with the wasm
// runtime (tests/wasm).

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <string>

#include "contracts/sdk/ballast/codec.h"
#include "ledger/ballast.pb.h"
#include "node/api/contract_interface.h"
#include "node/api/proof.h"
#include "node/api/proto_json.h"
#include "tests/fuzz/small_stack.h"

namespace ballast {
namespace {

namespace pb = google::protobuf;
using ::ballast::test::RunOnSmallStack;

// A file declaring `service S { rpc get(Node) returns (Node); }` with
// message Node { Node child = 1; uint64 n = 2; } (recursive, as a
// contract's interface may declare), importing `imports`.
pb::FileDescriptorProto ServiceFile(const std::string& name,
                                    const std::vector<std::string>& imports) {
  pb::FileDescriptorProto f;
  f.set_name(name);
  f.set_package("t");
  f.set_syntax("proto3");
  for (const std::string& i : imports) f.add_dependency(i);
  pb::DescriptorProto* node = f.add_message_type();
  node->set_name("Node");
  pb::FieldDescriptorProto* child = node->add_field();
  child->set_name("child");
  child->set_number(1);
  child->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  child->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
  child->set_type_name(".t.Node");
  pb::FieldDescriptorProto* n = node->add_field();
  n->set_name("n");
  n->set_number(2);
  n->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  n->set_type(pb::FieldDescriptorProto::TYPE_UINT64);
  pb::ServiceDescriptorProto* s = f.add_service();
  s->set_name("S");
  pb::MethodDescriptorProto* m = s->add_method();
  m->set_name("get");
  m->set_input_type(".t.Node");
  m->set_output_type(".t.Node");
  return f;
}

// A set whose first file starts an import chain `files - 1` long: f1
// imports f2 ... imports f<files-1>; the last file (the contract's) imports
// f1. Files are listed f1 first, so building them in set order must follow
// the whole chain before anything is built.
std::string ImportChain(int files) {
  pb::FileDescriptorSet set;
  for (int i = 1; i < files; ++i) {
    pb::FileDescriptorProto* f = set.add_file();
    f->set_name("f" + std::to_string(i) + ".proto");
    f->set_syntax("proto3");
    if (i + 1 < files)
      f->add_dependency("f" + std::to_string(i + 1) + ".proto");
  }
  *set.add_file() =
      ServiceFile("main.proto", files > 1 ? std::vector<std::string>{"f1.proto"}
                                          : std::vector<std::string>{});
  return set.SerializeAsString();
}

TEST(DepthLimitsTest, InterfaceImportChainAtTheLimitBuilds) {
  const std::string set = ImportChain(api::kMaxInterfaceFiles);
  RunOnSmallStack([&] {
    auto iface = api::ContractInterface::FromDescriptorSet(set);
    ASSERT_TRUE(iface.ok()) << iface.status();
    EXPECT_EQ(iface->ServiceName(), "t.S");
  });
}

TEST(DepthLimitsTest, InterfaceImportChainPastTheLimitIsRefused) {
  const std::string set = ImportChain(api::kMaxInterfaceFiles + 1);
  RunOnSmallStack([&] {
    auto iface = api::ContractInterface::FromDescriptorSet(set);
    EXPECT_EQ(iface.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(iface.status().message().find("files in the descriptor set"),
              std::string::npos)
        << iface.status();
  });
}

// An import chain that fits a deploy's interface (20,000 files, about
// 0.5 MB) overflowed the recursive builder's stack.
TEST(DepthLimitsTest, LongInterfaceImportChainIsRefusedCleanly) {
  const std::string set = ImportChain(20'000);
  RunOnSmallStack([&] {
    auto iface = api::ContractInterface::FromDescriptorSet(set);
    EXPECT_EQ(iface.status().code(), absl::StatusCode::kInvalidArgument);
  });
}

TEST(DepthLimitsTest, InterfaceImportCycleIsRefused) {
  pb::FileDescriptorSet set;
  pb::FileDescriptorProto* a = set.add_file();
  a->set_name("a.proto");
  a->add_dependency("b.proto");
  pb::FileDescriptorProto* b = set.add_file();
  b->set_name("b.proto");
  b->add_dependency("a.proto");
  *set.add_file() = ServiceFile("main.proto", {"a.proto"});
  auto iface =
      api::ContractInterface::FromDescriptorSet(set.SerializeAsString());
  EXPECT_EQ(iface.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(iface.status().message().find("import cycle"), std::string::npos)
      << iface.status();
}

// Messages nested `depth` levels in the contract's file (M1 { M2 { ... } }),
// the innermost named "DeepEvent". Protobuf's descriptor builder allows 31
// levels (and its parser 100 in the set).
constexpr int kMaxNestedTypes = 31;
std::string NestedTypes(int depth) {
  pb::FileDescriptorSet set;
  pb::FileDescriptorProto f = ServiceFile("main.proto", {});
  pb::DescriptorProto* d = f.add_message_type();
  d->set_name("M1");
  for (int i = 2; i <= depth; ++i) {
    d = d->add_nested_type();
    d->set_name(i == depth ? "DeepEvent" : "M" + std::to_string(i));
  }
  *set.add_file() = f;
  return set.SerializeAsString();
}

TEST(DepthLimitsTest, NestedTypesAtProtobufsLimitBuild) {
  const std::string set = NestedTypes(kMaxNestedTypes);
  RunOnSmallStack([&] {
    auto iface = api::ContractInterface::FromDescriptorSet(set);
    ASSERT_TRUE(iface.ok()) << iface.status();
    EXPECT_TRUE(iface->HasEvent("DeepEvent"));
  });
}

TEST(DepthLimitsTest, NestedTypesPastProtobufsLimitAreRefused) {
  // Built (recursively, by protobuf) on this thread's normal stack.
  std::vector<std::string> sets;
  for (int depth : {kMaxNestedTypes + 1, 98, 5000}) {
    sets.push_back(NestedTypes(depth));
  }
  RunOnSmallStack([&] {
    for (const std::string& set : sets) {
      auto iface = api::ContractInterface::FromDescriptorSet(set);
      EXPECT_EQ(iface.status().code(), absl::StatusCode::kInvalidArgument)
          << set.size() << " bytes";
    }
  });
}

// Node bytes nested `depth` levels deep (each level a child).
std::string NestedNode(int depth) {
  std::string bytes = "\x10\x07";  // n = 7
  for (int i = 1; i < depth; ++i) {
    std::string outer;
    codec::Writer w(&outer);
    w.Bytes(1, bytes, true);
    bytes = outer;
  }
  return bytes;
}

// A contract's response decodes to JSON as deep as protobuf's JSON printer
// goes (64 messages); deeper bytes (protobuf parses up to 100) are the
// contract's fault: InvalidArgument, not an internal error.
TEST(DepthLimitsTest, DecodingNestedMessagesAtTheLimit) {
  auto iface = api::ContractInterface::FromDescriptorSet([] {
    pb::FileDescriptorSet set;
    *set.add_file() = ServiceFile("main.proto", {});
    return set.SerializeAsString();
  }());
  ASSERT_TRUE(iface.ok()) << iface.status();
  RunOnSmallStack([&] {
    auto at = iface->DecodeResponse("get", NestedNode(api::kMaxJsonDepth));
    ASSERT_TRUE(at.ok()) << at.status();
    EXPECT_NE(at->find("\"n\":\"7\""), std::string::npos);
    for (int depth : {api::kMaxJsonDepth + 1, 100, 101, 5000}) {
      auto past = iface->DecodeResponse("get", NestedNode(depth));
      EXPECT_EQ(past.status().code(), absl::StatusCode::kInvalidArgument)
          << depth << ": " << past.status();
    }
  });
}

TEST(DepthLimitsTest, EncodingNestedJsonAtTheLimit) {
  auto iface = api::ContractInterface::FromDescriptorSet([] {
    pb::FileDescriptorSet set;
    *set.add_file() = ServiceFile("main.proto", {});
    return set.SerializeAsString();
  }());
  ASSERT_TRUE(iface.ok()) << iface.status();
  auto nested = [](int depth) {
    std::string json;
    for (int i = 1; i < depth; ++i) json += "{\"child\":";
    json += "{\"n\":7}";
    for (int i = 1; i < depth; ++i) json += "}";
    return json;
  };
  RunOnSmallStack([&] {
    auto at = iface->EncodeRequest("get", nested(api::kMaxJsonDepth));
    ASSERT_TRUE(at.ok()) << at.status();
    EXPECT_EQ(*at, NestedNode(api::kMaxJsonDepth));
    for (int depth : {api::kMaxJsonDepth + 1, 100'000}) {
      auto past = iface->EncodeRequest("get", nested(depth));
      EXPECT_EQ(past.status().code(), absl::StatusCode::kInvalidArgument)
          << depth;
    }
  });
}

// JSON arrays/objects nested `depth` levels.
std::string NestedJson(int depth) {
  std::string json;
  for (int i = 0; i < depth; ++i) json += i % 2 ? "{\"a\":" : "[";
  json += "1";
  for (int i = depth - 1; i >= 0; --i) json += i % 2 ? "}" : "]";
  return json;
}

TEST(DepthLimitsTest, JsonAtTheLimitParsesPrintsAndConverts) {
  RunOnSmallStack([] {
    auto j = api::ParseJson(NestedJson(api::kMaxJsonDepth));
    ASSERT_TRUE(j.ok()) << j.status();
    EXPECT_EQ(api::DumpJson(*j), NestedJson(api::kMaxJsonDepth));
    auto past = api::ParseJson(NestedJson(api::kMaxJsonDepth + 1));
    EXPECT_EQ(past.status().code(), absl::StatusCode::kInvalidArgument);
    auto far = api::ParseJson(NestedJson(1'000'000));
    EXPECT_EQ(far.status().code(), absl::StatusCode::kInvalidArgument);
  });
}

// A proof document (`ballast proof verify FILE`, issue 8) nested as deep as
// its size limit allows is refused by the JSON depth limit; one byte past
// the size limit is refused before parsing.
TEST(DepthLimitsTest, ProofDocumentsNestedUpToTheSizeLimitAreRefused) {
  RunOnSmallStack([] {
    const size_t depth = (api::kMaxProofDocumentBytes - 12) / 2;
    const std::string doc = "{\"header\":" + std::string(depth, '[') +
                            std::string(depth, ']') + "}";
    ASSERT_LE(doc.size(), api::kMaxProofDocumentBytes);
    auto parsed = api::ParseProofDocument(doc);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("nested"), std::string::npos)
        << parsed.status();
    auto oversized = api::ParseProofDocument(
        std::string(api::kMaxProofDocumentBytes + 1, '['));
    EXPECT_EQ(oversized.status().code(), absl::StatusCode::kResourceExhausted);
  });
}

// google.protobuf.Value (a call's arguments in POST /v1/query): every JSON
// document ParseJson accepts converts to a Value and back, or is refused.
TEST(DepthLimitsTest, ValueFieldsAtTheJsonLimit) {
  RunOnSmallStack([] {
    for (int depth = api::kMaxJsonDepth - 2; depth <= api::kMaxJsonDepth;
         ++depth) {
      auto j = api::ParseJson(
          "{\"contract\":\"0x\",\"args\":" + NestedJson(depth - 1) + "}");
      ASSERT_TRUE(j.ok()) << j.status();
      pb::Struct st;  // a message with a Value inside (fields map)
      pb::Value v;
      absl::Status s = api::JsonToProto((*j)["args"], &v);
      // A Value this deep is ~2 messages per level: protobuf's parse limit
      // (100) refuses it cleanly.
      if (s.ok()) {
        auto back = api::ProtoToJson(v);
        EXPECT_TRUE(back.ok() ||
                    back.status().code() == absl::StatusCode::kInvalidArgument)
            << back.status();
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      }
    }
  });
}

// Unknown groups nested `depth` deep inside a SignedTransaction.
std::string NestedGroups(int depth) {
  std::string bytes;
  codec::Writer w(&bytes);
  for (int i = 0; i < depth; ++i) w.Tag(9, codec::WireType::kStartGroup);
  for (int i = 0; i < depth; ++i) w.Tag(9, codec::WireType::kEndGroup);
  return bytes;
}

// The node parses a transaction's bytes (and an interface, and stored
// records) with protobuf, whose parser refuses nesting past 100 levels.
TEST(DepthLimitsTest, ProtobufParsingOfTransactionsIsBounded) {
  RunOnSmallStack([] {
    ledger::SignedTransaction stx;
    EXPECT_TRUE(stx.ParseFromString(NestedGroups(99)));
    EXPECT_FALSE(stx.ParseFromString(NestedGroups(101)));
    EXPECT_FALSE(stx.ParseFromString(NestedGroups(100'000)));
    ledger::Transaction tx;
    EXPECT_TRUE(tx.ParseFromString(NestedGroups(99)));
    EXPECT_FALSE(tx.ParseFromString(NestedGroups(100'000)));
  });
}

// The contract codec (host build) skips unknown groups up to libprotobuf's
// limit and refuses deeper ones.
TEST(DepthLimitsTest, CodecSkipsGroupsUpToTheLimit) {
  auto skip = [](const std::string& bytes) {
    codec::Reader r(bytes);
    uint32_t field;
    codec::WireType type;
    while (r.Next(&field, &type)) {
      if (!r.Skip(field, type)) return false;
    }
    return r.ok();
  };
  RunOnSmallStack([&] {
    EXPECT_TRUE(skip(NestedGroups(100)));
    EXPECT_FALSE(skip(NestedGroups(101)));
    EXPECT_FALSE(skip(NestedGroups(1'000'000)));
  });
}

}  // namespace
}  // namespace ballast
