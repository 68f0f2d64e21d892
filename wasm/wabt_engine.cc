// wabt's interpreter behind the Engine interface.
//
// Each Instance owns its own interp::Store, so instances share nothing and a
// contract calling another contract (through a host function) simply runs a
// second instance on the same native stack. The compiled form is wabt's
// ModuleDesc (decoded, validated, lowered to the interpreter's bytecode); it
// is copied into each instance's Store.

#include "wasm/wabt_engine.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ledger/base/strings.h"
#include "wabt/binary-reader.h"
#include "wabt/error-formatter.h"
#include "wabt/interp/binary-reader-interp.h"
#include "wabt/interp/interp.h"
#include "wasm/host_abi.h"
#include "wasm/host_functions.h"
#include "wasm/prepare.h"
#include "wasm/trap.h"

namespace ballast::wasm {
namespace {

namespace interp = wabt::interp;

// A trap whose message WabtTrapKind does not know: a wabt upgrade changed its
// wording, or a trap no contract should reach. It is the node's problem, not
// the contract's (FailureKind::kInternal), so no engine-specific text can
// reach a receipt.
absl::Status Unrecognised(const interp::Trap::Ptr& trap) {
  return absl::InternalError(StrCat("wabt interpreter: unrecognised trap: ",
                                    trap ? trap->message() : "(none)"));
}

class WabtInstance final : public Instance {
 public:
  WabtInstance(HostDispatcher* host) : host_(host) {}

  absl::Status Init(const interp::ModuleDesc& desc,
                    const std::vector<int>& host_index) {
    interp::Module::Ptr module = interp::Module::New(store_, desc);
    interp::RefVec imports;
    for (size_t i = 0; i < desc.imports.size(); ++i) {
      const auto& func_type =
          *wabt::cast<interp::FuncType>(desc.imports[i].type.type.get());
      int index = host_index[i];
      auto callback = [this, index, func_type](
                          interp::Thread& thread, const interp::Values& params,
                          interp::Values& results,
                          interp::Trap::Ptr* out_trap) -> wabt::Result {
        uint64_t args[8] = {};
        for (size_t p = 0; p < params.size() && p < 8; ++p) {
          args[p] = func_type.params[p] == wabt::Type::I32
                        ? params[p].Get<wabt::interp::u32>()
                        : params[p].Get<wabt::interp::u64>();
        }
        uint64_t result = 0;
        absl::Status s = host_->Invoke(
            index, *this, absl::MakeConstSpan(args, params.size()), &result);
        if (!s.ok()) {
          host_error_ = std::move(s);
          *out_trap = interp::Trap::New(thread.store(), "host function failed");
          return wabt::Result::Error;
        }
        if (!results.empty()) {
          results[0] =
              func_type.results[0] == wabt::Type::I32
                  ? interp::Value::Make(static_cast<interp::u32>(result))
                  : interp::Value::Make(static_cast<interp::u64>(result));
        }
        return wabt::Result::Ok;
      };
      imports.push_back(
          interp::HostFunc::New(store_, func_type, std::move(callback)).ref());
    }
    interp::Trap::Ptr trap;
    instance_ =
        interp::Instance::Instantiate(store_, module.ref(), imports, &trap);
    if (!instance_) {
      // Only an active segment that does not fit can trap here.
      std::optional<TrapKind> kind =
          trap ? WabtTrapKind(trap->message()) : std::nullopt;
      if (kind != TrapKind::kOutOfBounds) return Unrecognised(trap);
      return InstantiationTrapStatus(TrapKind::kSegmentOutOfBounds);
    }
    const auto& export_types = module->export_types();
    for (size_t i = 0; i < export_types.size(); ++i) {
      exports_[export_types[i].name] = instance_->exports()[i];
    }
    auto memory = exports_.find(ToAbsl(kMemoryExport));
    auto gas = exports_.find(ToAbsl(kGasGlobalExport));
    auto depth = exports_.find(ToAbsl(kDepthGlobalExport));
    if (memory == exports_.end()) {
      return absl::InvalidArgumentError("module exports no \"memory\"");
    }
    memory_ = store_.UnsafeGet<interp::Memory>(memory->second);
    // A module not prepared by PrepareModule (a benchmark baseline) has no
    // counters; Gas() then reports "unlimited".
    if (gas != exports_.end() && depth != exports_.end()) {
      gas_ = store_.UnsafeGet<interp::Global>(gas->second);
      depth_ = store_.UnsafeGet<interp::Global>(depth->second);
    }
    return absl::OkStatus();
  }

  absl::Status Call(std::string_view name) override {
    auto it = exports_.find(ToAbsl(name));
    if (it == exports_.end() || !store_.Is<interp::Func>(it->second)) {
      return absl::NotFoundError(StrCat("no exported function '", name, "'"));
    }
    interp::Func::Ptr func = store_.UnsafeGet<interp::Func>(it->second);
    if (!func->type().params.empty() || !func->type().results.empty()) {
      // PrepareModule refuses such exports; never hand wabt a call whose
      // arity it would assert on.
      return absl::InvalidArgumentError(
          StrCat("exported function '", name, "' is not of type () -> ()"));
    }
    interp::Thread thread(store_);
    interp::Values results;
    interp::Trap::Ptr trap;
    if (wabt::Failed(func->Call(thread, {}, results, &trap))) {
      if (host_error_.has_value()) {
        absl::Status s = std::move(*host_error_);
        host_error_.reset();
        return s;
      }
      std::optional<TrapKind> kind =
          trap ? WabtTrapKind(trap->message()) : std::nullopt;
      if (!kind.has_value()) return Unrecognised(trap);
      return TrapStatus(*kind);
    }
    return absl::OkStatus();
  }

  absl::Span<uint8_t> Memory() override {
    return absl::MakeSpan(memory_->UnsafeData(), memory_->ByteSize());
  }
  int64_t Gas() const override {
    return gas_ ? gas_->Get().Get<interp::s64>() : INT64_MAX;
  }
  void SetGas(int64_t gas) override {
    if (gas_)
      gas_->UnsafeSet(interp::Value::Make(static_cast<interp::s64>(gas)));
  }
  uint32_t Depth() const override {
    return depth_ ? depth_->Get().Get<interp::u32>() : 0;
  }
  void ExhaustGasFromOtherThread() override {
    // A plain 8-byte store into the global the interpreter is reading and
    // writing: the benign race documented in engine.h and runtime.h.
    if (gas_ && Gas() > 0) SetGas(0);
  }

 private:
  HostDispatcher* host_;
  interp::Store store_;
  interp::Instance::Ptr instance_;
  interp::Memory::Ptr memory_;
  interp::Global::Ptr gas_;
  interp::Global::Ptr depth_;
  absl::flat_hash_map<std::string, interp::Ref> exports_;
  std::optional<absl::Status> host_error_;
};

class WabtModule final : public CompiledModule {
 public:
  WabtModule(interp::ModuleDesc desc, std::vector<int> host_index,
             size_t code_bytes)
      : desc_(std::move(desc)),
        host_index_(std::move(host_index)),
        memory_bytes_(code_bytes + desc_.istream.end()) {}

  uint32_t InitialMemoryPages() const override {
    // PrepareModule requires exactly one memory of at most
    // Limits::max_memory_pages pages.
    return desc_.memories.empty()
               ? 0
               : static_cast<uint32_t>(desc_.memories[0].type.limits.initial);
  }
  size_t MemoryBytes() const override { return memory_bytes_; }

  absl::StatusOr<std::unique_ptr<Instance>> Instantiate(
      HostDispatcher* host) const override {
    auto instance = std::make_unique<WabtInstance>(host);
    if (absl::Status s = instance->Init(desc_, host_index_); !s.ok()) return s;
    return instance;
  }

 private:
  interp::ModuleDesc desc_;
  std::vector<int> host_index_;  // per import: index in kHostFunctions
  size_t memory_bytes_;          // the code, plus the interpreter's bytecode
};

class WabtEngine final : public Engine {
 public:
  std::string_view Name() const override { return "wabt-interp"; }

  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::string_view code) const override {
    interp::ModuleDesc desc;
    wabt::Errors errors;
    wabt::ReadBinaryOptions options(wabt::Features(), nullptr,
                                    /*read_debug_names=*/false,
                                    /*stop_on_first_error=*/true,
                                    /*fail_on_custom_section_error=*/false);
    if (wabt::Failed(interp::ReadBinaryInterp("contract.wasm", code.data(),
                                              code.size(), options, &errors,
                                              &desc))) {
      return absl::InvalidArgumentError(StrCat(
          "compile: ",
          wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary)));
    }
    std::vector<int> host_index;
    for (const interp::ImportDesc& import : desc.imports) {
      int index = import.type.module == kHostModule
                      ? FindHostFunction(import.type.name)
                      : -1;
      if (index < 0 || import.type.type->kind != interp::ExternKind::Func) {
        return absl::InvalidArgumentError(
            StrCat("compile: import ", import.type.module, ".",
                   import.type.name, " is not a host function"));
      }
      host_index.push_back(index);
    }
    return std::make_shared<WabtModule>(std::move(desc), std::move(host_index),
                                        code.size());
  }
};

}  // namespace

std::optional<TrapKind> WabtTrapKind(std::string_view message) {
  // wabt 1.0.32's messages (src/interp/interp.cc), by prefix: the
  // out-of-bounds ones go on with addresses and sizes.
  static constexpr struct {
    std::string_view prefix;
    TrapKind kind;
  } kMessages[] = {
      {"unreachable executed", TrapKind::kUnreachable},
      {"integer divide by zero", TrapKind::kDivideByZero},
      {"integer overflow", TrapKind::kIntegerOverflow},
      {"out of bounds memory access", TrapKind::kOutOfBounds},
      // Table instructions are refused at deploy; only an element segment
      // at instantiation reaches the table.
      {"out of bounds table access", TrapKind::kOutOfBounds},
      {"undefined table index", TrapKind::kIndirectCall},
      {"uninitialized table element", TrapKind::kIndirectCall},
      {"indirect call signature mismatch", TrapKind::kIndirectCall},
      {"call stack exhausted", TrapKind::kStackExhausted},
  };
  for (const auto& m : kMessages) {
    if (message.substr(0, m.prefix.size()) == m.prefix) return m.kind;
  }
  return std::nullopt;
}

std::unique_ptr<Engine> NewWabtInterpreterEngine() {
  return std::make_unique<WabtEngine>();
}

}  // namespace ballast::wasm
