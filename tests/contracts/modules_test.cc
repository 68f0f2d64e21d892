// Every built contract module (${CMAKE_BINARY_DIR}/contracts/*.wasm) against
// the host ABI (wasm/host_abi.h): imports only registered host functions with
// their exact signatures, exports memory and the ABI marker, exports every
// rpc of its interface as a () -> () method, stays within the memory limit.
// Also: the SDK's import declarations and em++ stub list exactly the ABI.

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "wasm/host_abi.h"

namespace {

namespace fs = std::filesystem;
using ballast::wasm::HostFunctionSignature;
using ballast::wasm::kHostFunctions;
using ballast::wasm::ValType;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- A few lines of wasm binary parsing
// ---------------------------------------

struct FuncType {
  std::vector<uint8_t> params, results;  // value type bytes (0x7f = i32, ...)
};
struct Import {
  std::string module, name;
  uint8_t kind = 0;  // 0 func, 1 table, 2 memory, 3 global
  uint32_t type = 0;
};
struct Export {
  uint8_t kind = 0;
  uint32_t index = 0;
};
struct Module {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> functions;  // type index of each defined function
  std::map<std::string, Export> exports;
  int memories = 0;
  bool memory_has_max = false;
  uint32_t memory_min = 0, memory_max = 0;
  bool has_start = false;
  bool float_locals = false;  // a function declares an f32 or f64 local

  // Type of function `index` (imported functions come first).
  const FuncType* TypeOfFunction(uint32_t index) const {
    std::vector<uint32_t> all;
    for (const Import& i : imports) {
      if (i.kind == 0) all.push_back(i.type);
    }
    all.insert(all.end(), functions.begin(), functions.end());
    if (index >= all.size() || all[index] >= types.size()) return nullptr;
    return &types[all[index]];
  }
};

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  uint8_t Byte() {
    if (done()) throw std::runtime_error("truncated");
    return static_cast<uint8_t>(s_[pos_++]);
  }
  uint32_t U32() {
    uint32_t r = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      uint8_t b = Byte();
      r |= static_cast<uint32_t>(b & 0x7f) << shift;
      if (b < 0x80) return r;
    }
    throw std::runtime_error("bad leb128");
  }
  std::string Name() {
    uint32_t n = U32();
    if (pos_ + n > s_.size()) throw std::runtime_error("truncated name");
    std::string r(s_.substr(pos_, n));
    pos_ += n;
    return r;
  }
  std::string_view Take(size_t n) {
    if (pos_ + n > s_.size()) throw std::runtime_error("truncated section");
    std::string_view r = s_.substr(pos_, n);
    pos_ += n;
    return r;
  }
  void Limits(bool* has_max, uint32_t* min, uint32_t* max) {
    uint8_t flags = Byte();
    *min = U32();
    *has_max = flags & 1;
    if (*has_max) *max = U32();
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Module Parse(std::string_view bytes) {
  if (bytes.substr(0, 8) != std::string_view("\0asm\1\0\0\0", 8)) {
    throw std::runtime_error("not a wasm v1 module");
  }
  Module m;
  Cursor c(bytes.substr(8));
  while (!c.done()) {
    uint8_t id = c.Byte();
    uint32_t size = c.U32();
    Cursor s(c.Take(size));
    switch (id) {
      case 1:  // types
        for (uint32_t n = s.U32(); n > 0; --n) {
          if (s.Byte() != 0x60) throw std::runtime_error("bad func type");
          FuncType t;
          for (uint32_t k = s.U32(); k > 0; --k) t.params.push_back(s.Byte());
          for (uint32_t k = s.U32(); k > 0; --k) t.results.push_back(s.Byte());
          m.types.push_back(t);
        }
        break;
      case 2:  // imports
        for (uint32_t n = s.U32(); n > 0; --n) {
          Import i;
          i.module = s.Name();
          i.name = s.Name();
          i.kind = s.Byte();
          bool has_max;
          uint32_t lo, hi;
          switch (i.kind) {
            case 0:
              i.type = s.U32();
              break;
            case 1:
              s.Byte();
              s.Limits(&has_max, &lo, &hi);
              break;
            case 2:
              s.Limits(&has_max, &lo, &hi);
              ++m.memories;
              break;
            case 3:
              s.Byte();
              s.Byte();
              break;
          }
          m.imports.push_back(i);
        }
        break;
      case 3:  // functions
        for (uint32_t n = s.U32(); n > 0; --n) m.functions.push_back(s.U32());
        break;
      case 5:  // memories
        for (uint32_t n = s.U32(); n > 0; --n) {
          s.Limits(&m.memory_has_max, &m.memory_min, &m.memory_max);
          ++m.memories;
        }
        break;
      case 7:  // exports
        for (uint32_t n = s.U32(); n > 0; --n) {
          std::string name = s.Name();
          Export e;
          e.kind = s.Byte();
          e.index = s.U32();
          m.exports[name] = e;
        }
        break;
      case 8:
        m.has_start = true;
        break;
      case 10:  // code: only the local declarations are read
        for (uint32_t n = s.U32(); n > 0; --n) {
          Cursor body(s.Take(s.U32()));
          for (uint32_t k = body.U32(); k > 0; --k) {
            body.U32();
            uint8_t type = body.Byte();
            m.float_locals |= type == 0x7d || type == 0x7c;
          }
        }
        break;
    }
  }
  return m;
}

uint8_t Byte(ValType t) { return t == ValType::kI32 ? 0x7f : 0x7e; }

FuncType Signature(const HostFunctionSignature& f) {
  FuncType t;
  for (int i = 0; i < f.num_params; ++i) t.params.push_back(Byte(f.params[i]));
  if (f.has_result) t.results.push_back(Byte(f.result));
  return t;
}

std::string Show(const FuncType& t) {
  auto list = [](const std::vector<uint8_t>& v) {
    std::string s;
    for (uint8_t b : v) {
      s += s.empty() ? "" : " ";
      s += b == 0x7f ? "i32" : b == 0x7e ? "i64" : b == 0x7d ? "f32" : "f64";
    }
    return "(" + s + ")";
  };
  return list(t.params) + " -> " + list(t.results);
}

const HostFunctionSignature* FindHostFunction(std::string_view name) {
  for (const auto& f : kHostFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::set<std::string> AbiNames() {
  std::set<std::string> names;
  for (const auto& f : kHostFunctions) names.insert(std::string(f.name));
  return names;
}

// Names matching `pattern`'s first group, everywhere in `text`.
std::set<std::string> Matches(const std::string& text,
                              const std::string& pattern) {
  std::set<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re);
       it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

// The rpc names of the contract's own service in its .desc (empty if none).
// The set also holds the files it imports (other contracts' interfaces):
// the contract's own file is the one no other file depends on.
std::vector<std::string> Rpcs(const fs::path& desc_path) {
  google::protobuf::FileDescriptorSet set;
  std::string bytes = ReadFile(desc_path);
  EXPECT_TRUE(set.ParseFromString(bytes)) << desc_path;
  std::set<std::string> imported;
  for (const auto& proto : set.file()) {
    imported.insert(proto.dependency().begin(), proto.dependency().end());
  }
  google::protobuf::DescriptorPool pool;
  std::vector<std::string> rpcs;
  for (const auto& proto : set.file()) {
    const google::protobuf::FileDescriptor* file = pool.BuildFile(proto);
    EXPECT_NE(file, nullptr) << proto.name();
    if (file == nullptr || imported.count(proto.name())) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        rpcs.push_back(file->service(s)->method(m)->name());
      }
    }
  }
  return rpcs;
}

const fs::path kContractsDir = BALLAST_CONTRACTS_DIR;

// ---- Tests
// --------------------------------------------------------------------

TEST(ContractModulesTest, EveryContractIsBuilt) {
  for (const char* name : {"token", "probe", "float"}) {
    EXPECT_TRUE(fs::exists(kContractsDir / (std::string(name) + ".wasm")))
        << name;
  }
  EXPECT_TRUE(fs::exists(kContractsDir / "token.desc"));
  EXPECT_TRUE(fs::exists(kContractsDir / "probe.desc"));
}

class ContractModuleTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = kContractsDir / (GetParam() + ".wasm");
    ASSERT_TRUE(fs::exists(path_)) << path_;
    module_ = Parse(ReadFile(path_));
  }
  fs::path path_;
  Module module_;
};

TEST_P(ContractModuleTest, ImportsOnlyHostFunctionsWithTheirSignatures) {
  for (const Import& i : module_.imports) {
    SCOPED_TRACE(i.module + "." + i.name);
    EXPECT_EQ(i.module, ballast::wasm::kHostModule);
    ASSERT_EQ(i.kind, 0) << "only functions may be imported";
    const HostFunctionSignature* f = FindHostFunction(i.name);
    ASSERT_NE(f, nullptr) << "not in kHostFunctions";
    ASSERT_LT(i.type, module_.types.size());
    EXPECT_EQ(Show(module_.types[i.type]), Show(Signature(*f)));
  }
}

TEST_P(ContractModuleTest, ExportsMemoryAndAbiMarker) {
  auto memory = module_.exports.find(std::string(ballast::wasm::kMemoryExport));
  ASSERT_NE(memory, module_.exports.end());
  EXPECT_EQ(memory->second.kind, 2);
  auto marker =
      module_.exports.find(std::string(ballast::wasm::kAbiMarkerExport));
  ASSERT_NE(marker, module_.exports.end());
  EXPECT_EQ(marker->second.kind, 0);
  const FuncType* type = module_.TypeOfFunction(marker->second.index);
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(Show(*type), "() -> ()");
}

TEST_P(ContractModuleTest, OneMemoryWithinTheLimitAndNoStart) {
  EXPECT_EQ(module_.memories, 1);
  EXPECT_TRUE(module_.memory_has_max);
  EXPECT_LE(module_.memory_max, 32u);
  EXPECT_LE(module_.memory_min, module_.memory_max);
  EXPECT_FALSE(module_.has_start);
  EXPECT_LE(fs::file_size(path_), 512u * 1024);
}

// Every module in the contracts output directory, whoever added it.
std::vector<std::string> BuiltContracts() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kContractsDir, ec)) {
    if (entry.path().extension() == ".wasm") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Contracts, ContractModuleTest,
                         testing::ValuesIn(BuiltContracts()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ContractModuleTest);

// Every contract built with an interface (a .desc) exports each rpc of its
// service as a () -> () method. The token and the probe are among them.
TEST(ContractModulesTest, EveryRpcIsAVoidMethodExport) {
  std::vector<std::string> with_interface;
  for (const std::string& name : BuiltContracts()) {
    fs::path desc = kContractsDir / (name + ".desc");
    if (!fs::exists(desc)) continue;  // raw-method modules (bench, float)
    with_interface.push_back(name);
    Module module = Parse(ReadFile(kContractsDir / (name + ".wasm")));
    std::vector<std::string> rpcs = Rpcs(desc);
    EXPECT_FALSE(rpcs.empty()) << name;
    for (const std::string& rpc : rpcs) {
      SCOPED_TRACE(name + "." + rpc);
      auto e = module.exports.find(rpc);
      ASSERT_NE(e, module.exports.end());
      ASSERT_EQ(e->second.kind, 0);
      const FuncType* type = module.TypeOfFunction(e->second.index);
      ASSERT_NE(type, nullptr);
      EXPECT_EQ(Show(*type), "() -> ()");
    }
  }
  EXPECT_THAT(with_interface, testing::IsSupersetOf({"probe", "token"}));
}

TEST(ContractModulesTest, ProbeExportsItsRawMethods) {
  Module probe = Parse(ReadFile(kContractsDir / "probe.wasm"));
  for (const char* name :
       {"echo", "noop", "spin", "trap", "abort_with", "hash", "output_twice"}) {
    auto e = probe.exports.find(name);
    ASSERT_NE(e, probe.exports.end()) << name;
    EXPECT_EQ(Show(*probe.TypeOfFunction(e->second.index)), "() -> ()");
  }
}

TEST(ContractModulesTest, ProbeImportsEveryHostFunction) {
  // So the check above covers every declaration of ballast/abi.h.
  Module probe = Parse(ReadFile(kContractsDir / "probe.wasm"));
  std::set<std::string> imported;
  for (const Import& i : probe.imports) imported.insert(i.name);
  EXPECT_EQ(imported, AbiNames());
}

TEST(ContractModulesTest, OnlyTheFloatModuleHasFloatLocals) {
  // A partial look (signatures and locals, not opcodes; the build's
  // check_module.cmake scans every instruction): float.wasm must be refused
  // at deploy for its floating point, the others must not be.
  for (const char* name : {"token", "probe", "float"}) {
    Module m = Parse(ReadFile(kContractsDir / (std::string(name) + ".wasm")));
    bool in_types = false;
    for (const FuncType& t : m.types) {
      for (uint8_t b : t.params) in_types |= b == 0x7c || b == 0x7d;
      for (uint8_t b : t.results) in_types |= b == 0x7c || b == 0x7d;
    }
    EXPECT_EQ(m.float_locals || in_types, std::string(name) == "float") << name;
  }
}

TEST(ContractSdkTest, AbiHeaderDeclaresExactlyTheHostFunctions) {
  std::string abi_h = ReadFile(fs::path(BALLAST_SDK_DIR) / "ballast/abi.h");
  EXPECT_EQ(Matches(abi_h, R"re(BALLAST_IMPORT\("(bl_[a-z0-9_]+)"\))re"),
            AbiNames());
}

TEST(ContractSdkTest, JsLibraryStubListsExactlyTheHostFunctions) {
  std::string js = ReadFile(fs::path(BALLAST_SDK_DIR) / "host_functions.js");
  EXPECT_EQ(Matches(js, R"re((bl_[a-z0-9_]+): function)re"), AbiNames());
}

}  // namespace
