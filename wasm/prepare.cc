// Deploy-time checks and instrumentation, on wabt's IR.
//
// Order of work (each step only runs if the previous one passed):
//   0. size limit, then a scan of the raw bytes with wabt's binary reader
//      (iterative) that refuses control nesting deeper than
//      Limits::max_control_nesting and unbalanced `end`s; everything after
//      it may recurse once per nesting level (wabt's writer and IR
//      destructors do), and is bounded by the limit;
//   1. ReadBinaryIr + ValidateModule (malformed/invalid);
//   2. shape checks: imports, exports, memory, tables, globals, start;
//   3. instruction checks: an allow-list of instructions, no floating point;
//   4. instrumentation, in place on the IR (the checks and the
//      instrumentation walk nested lists with explicit stacks):
//      - two new mutable globals, exported as "ballast_gas" (i64) and
//        "ballast_depth" (i32);
//      - every nested structured instruction list (block, loop, if/else
//        arm) that is not empty starts with
//          gas -= <its cost>; if (gas < 0) unreachable;
//      - memory.grow/fill/copy/init are preceded by a dynamic charge
//        computed from their size operand (kept in a new scratch local);
//      - every function body becomes
//          gas -= <entry cost>; if (gas < 0) unreachable;
//          depth += 1; if (depth > max) unreachable;
//          block (result <function results>) <body> end
//          depth -= 1
//        with each `return` turned into a `br` to that block, so the
//        decrement runs on every normal exit. (A trap ends the whole call,
//        so it needs no decrement.) Costs follow gas.h: the instructions
//        of a list's own level, the instrumentation's included, and at
//        entry the bookkeeping and the locals;
//   5. ValidateModule again (a failure here is an Internal error: a bug in
//      the instrumenter), then WriteBinaryModule.
//
// Why the runtime can tell the traps apart: after a trap, a negative gas
// counter means out of gas and a depth counter above the limit means the
// call-depth limit; any other trap is the contract's own.

#include "wasm/prepare.h"

#include <algorithm>
#include <cassert>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_join.h"
#include "ledger/base/strings.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader-nop.h"
#include "wabt/binary-reader.h"
#include "wabt/binary-writer.h"
#include "wabt/cast.h"
#include "wabt/error-formatter.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/stream.h"
#include "wabt/validator.h"
#include "wasm/gas.h"
#include "wasm/host_abi.h"

namespace ballast::wasm {
namespace {

using wabt::Expr;
using wabt::ExprList;
using wabt::ExprType;
using wabt::Index;
using wabt::Type;

// The wasm features a contract may use. The same set is used to read,
// validate and write, as wabt requires.
wabt::Features ContractFeatures() {
  wabt::Features f;
  f.disable_simd();
  f.disable_threads();
  f.disable_exceptions();
  f.disable_tail_call();
  f.disable_reference_types();
  f.disable_multi_value();
  return f;
}

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(ToAbsl(what));
}

std::string FuncLabel(const wabt::Module& m, Index index) {
  const wabt::Func* f = m.funcs[index];
  if (f->name.empty()) return StrCat("function ", index);
  return StrCat("function ", index, " (", f->name, ")");
}

bool IsFloat(Type t) { return t == Type::F32 || t == Type::F64; }

bool SignatureHasFloat(const wabt::FuncSignature& sig) {
  return std::any_of(sig.param_types.begin(), sig.param_types.end(), IsFloat) ||
         std::any_of(sig.result_types.begin(), sig.result_types.end(), IsFloat);
}

std::string TypeList(const std::vector<Type>& types) {
  std::vector<std::string> names;
  for (Type t : types) names.push_back(t.GetName());
  return StrCat("(", absl::StrJoin(names, ", "), ")");
}

Type ToWabt(ValType t) { return t == ValType::kI32 ? Type::I32 : Type::I64; }

// ---- Nesting scan (before anything that recurses) -------------------------

// Reads the raw bytes with wabt's binary reader, which loops over a body's
// instructions without recursing (binary-reader.cc, ReadInstructions), and
// counts how deep block, loop and if open inside one another. Each function
// body and each constant expression must also balance its own `end`s: wabt
// 1.0.32's IR reader keeps one label stack for the whole module, so an extra
// `end` would close a block of an earlier body and nest later code inside
// it, deeper than any one body shows.
class NestingScan : public wabt::BinaryReaderNop {
 public:
  explicit NestingScan(uint32_t max_nesting) : max_nesting_(max_nesting) {}

  // The refusal, if the scan refused the module (else OK).
  const absl::Status& status() const { return status_; }
  const wabt::Errors& errors() const { return errors_; }

  bool OnError(const wabt::Error& error) override {
    errors_.push_back(error);
    return true;  // collected here, not printed to stderr
  }

  wabt::Result BeginFunctionBody(Index index, wabt::Offset) override {
    return Begin(StrCat("function ", index));
  }
  wabt::Result EndFunctionBody(Index) override { return End(); }
  wabt::Result BeginGlobalInitExpr(Index index) override {
    return Begin(StrCat("global ", index, " initializer"));
  }
  wabt::Result EndGlobalInitExpr(Index) override { return End(); }
  wabt::Result BeginElemSegmentInitExpr(Index index) override {
    return Begin(StrCat("element segment ", index, " offset"));
  }
  wabt::Result EndElemSegmentInitExpr(Index) override { return End(); }
  wabt::Result BeginDataSegmentInitExpr(Index index) override {
    return Begin(StrCat("data segment ", index, " offset"));
  }
  wabt::Result EndDataSegmentInitExpr(Index) override { return End(); }

  // Called first for every instruction.
  wabt::Result OnOpcode(wabt::Opcode) override {
    if (open_ == 0) return Fail("instructions after the final end");
    return wabt::Result::Ok;
  }
  wabt::Result OnBlockExpr(Type) override { return Open(); }
  wabt::Result OnLoopExpr(Type) override { return Open(); }
  wabt::Result OnIfExpr(Type) override { return Open(); }
  wabt::Result OnTryExpr(Type) override { return Open(); }
  wabt::Result OnEndExpr() override { return Close(); }
  wabt::Result OnDelegateExpr(Index) override { return Close(); }

 private:
  wabt::Result Begin(std::string where) {
    where_ = std::move(where);
    open_ = 1;  // the body (or expression) itself
    return wabt::Result::Ok;
  }
  wabt::Result End() {
    if (open_ != 0) return Fail("a block, loop or if is not closed by end");
    return wabt::Result::Ok;
  }
  wabt::Result Open() {
    if (open_ > max_nesting_) {
      return Fail(StrCat("control instructions nest deeper than the limit of ",
                         max_nesting_, " (block, loop and if, one inside ",
                         "another)"));
    }
    ++open_;
    return wabt::Result::Ok;
  }
  wabt::Result Close() {
    --open_;  // OnOpcode saw open_ > 0
    return wabt::Result::Ok;
  }
  wabt::Result Fail(std::string_view what) {
    status_ = Invalid(StrCat(where_, ": ", what));
    return wabt::Result::Error;
  }

  const uint32_t max_nesting_;
  std::string where_;
  uint64_t open_ = 0;  // open labels of the current body, its own included
  absl::Status status_;
  wabt::Errors errors_;
};

absl::Status ScanNesting(std::string_view wasm, const wabt::Features& features,
                         uint32_t max_nesting) {
  NestingScan scan(max_nesting);
  wabt::ReadBinaryOptions options(features, nullptr,
                                  /*read_debug_names=*/false,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  if (wabt::Failed(
          wabt::ReadBinary(wasm.data(), wasm.size(), &scan, options))) {
    if (!scan.status().ok()) return scan.status();
    return Invalid(StrCat("malformed module: ",
                          wabt::FormatErrorsToString(
                              scan.errors(), wabt::Location::Type::Binary)));
  }
  return absl::OkStatus();
}

// ---- Shape checks ---------------------------------------------------------

absl::Status CheckImports(const wabt::Module& m) {
  for (const wabt::Import* import : m.imports) {
    std::string name = StrCat(import->module_name, ".", import->field_name);
    if (import->kind() != wabt::ExternalKind::Func) {
      return Invalid(StrCat("import ", name, ": only functions may be ",
                            "imported (found a ",
                            wabt::GetKindName(import->kind()), ")"));
    }
    if (import->module_name != kHostModule) {
      return Invalid(StrCat("import ", name, ": only module \"", kHostModule,
                            "\" can be imported"));
    }
    const int index = FindHostFunction(import->field_name);
    if (index < 0) {
      return Invalid(StrCat("import ", name, ": not a host function of ",
                            "ABI v", kAbiVersion));
    }
    const HostFunction& abi = kHostFunctions[index];
    const auto& sig = wabt::cast<wabt::FuncImport>(import)->func.decl.sig;
    std::vector<Type> want_params, want_results;
    for (const HostParam& p : abi.Params()) {
      want_params.push_back(ToWabt(WasmTypeOf(p.kind)));
    }
    if (std::optional<ValType> r = WasmTypeOf(abi.result)) {
      want_results.push_back(ToWabt(*r));
    }
    if (sig.param_types != want_params || sig.result_types != want_results) {
      return Invalid(StrCat(
          "import ", name, ": signature ", TypeList(sig.param_types), " -> ",
          TypeList(sig.result_types), " does not match ABI v", kAbiVersion, " ",
          TypeList(want_params), " -> ", TypeList(want_results)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckExports(const wabt::Module& m, const Limits& limits,
                          PreparedModule* out) {
  bool has_memory = false, has_marker = false;
  for (const wabt::Export* e : m.exports) {
    const std::string& name = e->name;
    if (e->kind == wabt::ExternalKind::Memory) {
      if (name != kMemoryExport) {
        return Invalid(StrCat("export '", name, "': the memory must ",
                              "be exported as \"memory\""));
      }
      has_memory = true;
      continue;
    }
    if (name == kGasGlobalExport || name == kDepthGlobalExport) {
      return Invalid(
          StrCat("export '", name, "': the name is reserved for the runtime"));
    }
    if (name == kAbiMarkerExport) {
      if (e->kind != wabt::ExternalKind::Func) {
        return Invalid(StrCat("export '", name, "' must be a function"));
      }
      has_marker = true;
      continue;
    }
    if (name == kEmscriptenInitExport) {
      // The runtime calls it after every instantiation, without arguments.
      const wabt::Func* f =
          e->kind == wabt::ExternalKind::Func ? m.GetFunc(e->var) : nullptr;
      if (f == nullptr || f->GetNumParams() != 0 || f->GetNumResults() != 0) {
        return Invalid(
            StrCat("export '", name, "' must be a function of type () -> ()"));
      }
      continue;
    }
    if (IsReservedExportName(name)) continue;  // Emscripten's own exports
    if (e->kind != wabt::ExternalKind::Func) {
      return Invalid(StrCat("export '", name, "': only functions, ",
                            "\"memory\" and reserved names may be ",
                            "exported"));
    }
    const wabt::Func* f = m.GetFunc(e->var);
    if (f->GetNumParams() != 0 || f->GetNumResults() != 0) {
      return Invalid(StrCat(
          "export '", name, "': a method takes no parameters and returns ",
          "nothing (it reads its input with bl_input_read), but this one is ",
          TypeList(f->decl.sig.param_types), " -> ",
          TypeList(f->decl.sig.result_types)));
    }
    if (name.size() > limits.max_method_name_bytes) {
      return Invalid(StrCat("export '", name.substr(0, 16),
                            "...': method name longer than ",
                            limits.max_method_name_bytes, " bytes"));
    }
    if (name == kInitMethod) {
      out->has_init = true;
    } else {
      out->methods.push_back(name);
    }
  }
  if (!has_memory) return Invalid("missing required export \"memory\"");
  if (!has_marker) {
    return Invalid(StrCat("missing required export \"", kAbiMarkerExport,
                          "\" (build the contract with the Ballast ",
                          "SDK, which defines it)"));
  }
  std::sort(out->methods.begin(), out->methods.end());
  return absl::OkStatus();
}

// The offset of an active segment: a constant, since a contract imports
// no globals (CheckImports) and MVP offsets are i32.const or global.get of
// an imported global.
std::optional<uint32_t> ConstOffset(const wabt::ExprList& offset) {
  if (offset.size() != 1 || offset.front().type() != ExprType::Const) {
    return std::nullopt;
  }
  const wabt::Const& c = wabt::cast<wabt::ConstExpr>(&offset.front())->const_;
  if (c.type() != Type::I32) return std::nullopt;
  return c.u32();
}

// Active data and element segments must fit the initial memory and table:
// then instantiation cannot trap, and a misfit is refused at deploy, with
// where it is, instead of failing every call.
absl::Status CheckSegmentsFit(const wabt::Module& m) {
  const uint64_t memory_bytes =
      m.memories[0]->page_limits.initial * uint64_t{WABT_PAGE_SIZE};
  for (Index i = 0; i < m.data_segments.size(); ++i) {
    const wabt::DataSegment& d = *m.data_segments[i];
    if (d.kind != wabt::SegmentKind::Active) continue;
    std::optional<uint32_t> at = ConstOffset(d.offset);
    if (!at.has_value()) {
      return Invalid(
          StrCat("data segment ", i, ": its offset must be an ", "i32.const"));
    }
    const uint64_t end = uint64_t{*at} + d.data.size();
    if (end > memory_bytes) {
      return Invalid(StrCat("data segment ", i, " ([", *at, ", ", end,
                            ")) does not fit the initial memory of ",
                            memory_bytes, " bytes"));
    }
  }
  for (Index i = 0; i < m.elem_segments.size(); ++i) {
    const wabt::ElemSegment& e = *m.elem_segments[i];
    if (e.kind != wabt::SegmentKind::Active) continue;
    std::optional<uint32_t> at = ConstOffset(e.offset);
    if (!at.has_value()) {
      return Invalid(StrCat("element segment ", i, ": its offset must be an ",
                            "i32.const"));
    }
    const Index table = m.GetTableIndex(e.table_var);
    const uint64_t size =
        table < m.tables.size() ? m.tables[table]->elem_limits.initial : 0;
    const uint64_t end = uint64_t{*at} + e.elem_exprs.size();
    if (end > size) {
      return Invalid(StrCat("element segment ", i, " ([", *at, ", ", end,
                            ")) does not fit the initial table of ", size,
                            " elements"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckShape(const wabt::Module& m, const Limits& limits,
                        bool floats) {
  if (!m.starts.empty()) {
    return Invalid("a start function is not allowed (use an \"init\" method)");
  }
  if (m.memories.size() != 1) {
    return Invalid(StrCat("a contract must define exactly one memory, ",
                          "this module has ", m.memories.size()));
  }
  const wabt::Limits& pages = m.memories[0]->page_limits;
  if (pages.is_shared || pages.is_64) {
    return Invalid("shared and 64-bit memories are not allowed");
  }
  if (pages.initial > limits.max_memory_pages) {
    return Invalid(StrCat("memory of ", pages.initial,
                          " initial pages exceeds the limit of ",
                          limits.max_memory_pages, " pages"));
  }
  if (m.funcs.size() > limits.max_functions) {
    return Invalid(StrCat(m.funcs.size(), " functions exceed the limit ", "of ",
                          limits.max_functions));
  }
  if (m.globals.size() > limits.max_globals) {
    return Invalid(StrCat(m.globals.size(), " globals exceed the limit ", "of ",
                          limits.max_globals));
  }
  for (const wabt::Table* t : m.tables) {
    if (t->elem_limits.initial > limits.max_table_elements) {
      return Invalid(StrCat("table of ", t->elem_limits.initial,
                            " elements exceeds the limit of ",
                            limits.max_table_elements));
    }
  }
  if (absl::Status s = CheckSegmentsFit(m); !s.ok()) return s;
  for (Index i = 0; i < m.globals.size(); ++i) {
    if (!floats && IsFloat(m.globals[i]->type)) {
      return Invalid(StrCat("global ", i, ": floating point is not allowed"));
    }
  }
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) {
    const wabt::Func* f = m.funcs[i];
    bool float_local = false;
    for (Index j = 0; j < f->local_types.size(); ++j) {
      float_local = float_local || IsFloat(f->local_types[j]);
    }
    if (!floats && (SignatureHasFloat(f->decl.sig) || float_local)) {
      return Invalid(StrCat(FuncLabel(m, i), ": floating point is not ",
                            "allowed (float parameter, result or local)"));
    }
    if (f->GetNumResults() > 1) {
      return Invalid(StrCat(FuncLabel(m, i), ": functions may return at ",
                            "most one value"));
    }
    if (f->GetNumLocals() > limits.max_locals_per_function) {
      return Invalid(StrCat(FuncLabel(m, i), ": ", f->GetNumLocals(),
                            " locals exceed the limit of ",
                            limits.max_locals_per_function));
    }
  }
  return absl::OkStatus();
}

// ---- Instruction checks ---------------------------------------------------

// Each instruction kind is its own class in wabt's IR: cast by kind.
// REQUIRES: expr is a Binary, Compare, Convert, Unary, Load or Store.
wabt::Opcode OpcodeOf(const Expr& expr) {
  switch (expr.type()) {
    case ExprType::Binary:
      return wabt::cast<wabt::BinaryExpr>(&expr)->opcode;
    case ExprType::Compare:
      return wabt::cast<wabt::CompareExpr>(&expr)->opcode;
    case ExprType::Convert:
      return wabt::cast<wabt::ConvertExpr>(&expr)->opcode;
    case ExprType::Unary:
      return wabt::cast<wabt::UnaryExpr>(&expr)->opcode;
    case ExprType::Load:
      return wabt::cast<wabt::LoadExpr>(&expr)->opcode;
    default:
      return wabt::cast<wabt::StoreExpr>(&expr)->opcode;
  }
}

// REQUIRES: expr is a Block or a Loop.
wabt::Block* BlockOf(Expr& expr) {
  if (expr.type() == ExprType::Loop) {
    return &wabt::cast<wabt::LoopExpr>(&expr)->block;
  }
  return &wabt::cast<wabt::BlockExpr>(&expr)->block;
}

// Returns what is wrong with `expr` on its own (not its contents), or "".
// `floats`: floating point is allowed (PrepareModuleWithFloatsForTesting).
std::string DisallowedReason(const Expr& expr, bool floats) {
  switch (expr.type()) {
    case ExprType::Binary:
    case ExprType::Compare:
    case ExprType::Convert:
    case ExprType::Unary:
    case ExprType::Load:
    case ExprType::Store: {
      wabt::Opcode op = OpcodeOf(expr);
      if (!floats &&
          (IsFloat(op.GetResultType()) || IsFloat(op.GetParamType1()) ||
           IsFloat(op.GetParamType2()))) {
        return StrCat("floating point is not allowed (", op.GetName(), ")");
      }
      return "";
    }
    case ExprType::Const:
      if (!floats &&
          IsFloat(wabt::cast<wabt::ConstExpr>(&expr)->const_.type())) {
        return "floating point is not allowed (float constant)";
      }
      return "";
    case ExprType::Select: {
      const auto& types = wabt::cast<wabt::SelectExpr>(&expr)->result_type;
      if (!floats && std::any_of(types.begin(), types.end(), IsFloat)) {
        return "floating point is not allowed (typed select)";
      }
      return "";
    }
    case ExprType::CallIndirect:
      if (!floats && SignatureHasFloat(
                         wabt::cast<wabt::CallIndirectExpr>(&expr)->decl.sig)) {
        return "floating point is not allowed (call_indirect signature)";
      }
      return "";
    case ExprType::Block:
    case ExprType::Loop:
      if (!floats &&
          SignatureHasFloat(BlockOf(const_cast<Expr&>(expr))->decl.sig)) {
        return "floating point is not allowed (block type)";
      }
      return "";
    case ExprType::If:
      if (!floats &&
          SignatureHasFloat(wabt::cast<wabt::IfExpr>(&expr)->true_.decl.sig)) {
        return "floating point is not allowed (block type)";
      }
      return "";
    case ExprType::Br:
    case ExprType::BrIf:
    case ExprType::BrTable:
    case ExprType::Call:
    case ExprType::Drop:
    case ExprType::GlobalGet:
    case ExprType::GlobalSet:
    case ExprType::LocalGet:
    case ExprType::LocalSet:
    case ExprType::LocalTee:
    case ExprType::MemoryCopy:
    case ExprType::MemoryFill:
    case ExprType::MemoryGrow:
    case ExprType::MemoryInit:
    case ExprType::MemorySize:
    case ExprType::DataDrop:
    case ExprType::Nop:
    case ExprType::Return:
    case ExprType::Unreachable:
      return "";
    default:
      return StrCat("instruction kind '", wabt::GetExprTypeName(expr.type()),
                    "' is not allowed in contracts");
  }
}

// Returns the first disallowed instruction of `body`, in code order, or "".
// Iterative: an explicit stack of the lists being walked.
std::string FindDisallowed(const ExprList& body, bool floats) {
  struct Walk {
    ExprList::const_iterator next, end;
  };
  std::vector<Walk> stack = {{body.begin(), body.end()}};
  while (!stack.empty()) {
    if (stack.back().next == stack.back().end) {
      stack.pop_back();
      continue;
    }
    const Expr& expr = *stack.back().next++;
    std::string bad = DisallowedReason(expr, floats);
    if (!bad.empty()) return bad;
    if (expr.type() == ExprType::Block || expr.type() == ExprType::Loop) {
      const ExprList& exprs = BlockOf(const_cast<Expr&>(expr))->exprs;
      stack.push_back({exprs.begin(), exprs.end()});
    } else if (expr.type() == ExprType::If) {
      const auto* e = wabt::cast<wabt::IfExpr>(&expr);
      stack.push_back({e->false_.begin(), e->false_.end()});
      stack.push_back({e->true_.exprs.begin(), e->true_.exprs.end()});
    }
  }
  return "";
}

absl::Status CheckInstructions(const wabt::Module& m, bool floats) {
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) {
    std::string bad = FindDisallowed(m.funcs[i]->exprs, floats);
    if (!bad.empty()) return Invalid(StrCat(FuncLabel(m, i), ": ", bad));
  }
  return absl::OkStatus();
}

// ---- Instrumentation ------------------------------------------------------

class Instrumenter {
 public:
  Instrumenter(wabt::Module* m, uint32_t max_call_depth)
      : m_(m), max_call_depth_(max_call_depth) {}

  void Run() {
    gas_ = AddExportedGlobal(Type::I64, kGasGlobalExport);
    depth_ = AddExportedGlobal(Type::I32, kDepthGlobalExport);
    for (Index i = m_->num_func_imports; i < m_->funcs.size(); ++i) {
      InstrumentFunc(m_->funcs[i]);
    }
  }

 private:
  Index AddExportedGlobal(Type type, std::string_view name) {
    Index index = m_->globals.size();
    auto global = std::make_unique<wabt::GlobalModuleField>();
    global->global.type = type;
    global->global.mutable_ = true;
    global->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(
        type == Type::I64 ? wabt::Const::I64(0) : wabt::Const::I32(0)));
    m_->AppendField(std::move(global));
    auto exp = std::make_unique<wabt::ExportModuleField>();
    exp->export_.name = std::string(name);
    exp->export_.kind = wabt::ExternalKind::Global;
    exp->export_.var = wabt::Var(index, wabt::Location());
    m_->AppendField(std::move(exp));
    return index;
  }

  static wabt::Var V(Index i) { return wabt::Var(i, wabt::Location()); }

  template <typename T, typename... Args>
  static void Add(ExprList* out, Args&&... args) {
    out->push_back(std::make_unique<T>(std::forward<Args>(args)...));
  }

  // if (<i64 or i32 comparison on stack>) unreachable
  static void AddTrapIf(ExprList* out) {
    auto if_expr = std::make_unique<wabt::IfExpr>();
    if_expr->true_.exprs.push_back(std::make_unique<wabt::UnreachableExpr>());
    out->push_back(std::move(if_expr));
  }

  // gas -= cost; if (gas < 0) unreachable
  // (kGasChargeInstructions instructions on the path that does not trap).
  ExprList StaticCharge(uint64_t cost) {
    ExprList out;
    Add<wabt::GlobalGetExpr>(&out, V(gas_));
    Add<wabt::ConstExpr>(&out, wabt::Const::I64(cost));
    Add<wabt::BinaryExpr>(&out, wabt::Opcode::I64Sub);
    AddGasCheck(&out);
    assert(out.size() == kGasChargeInstructions);
    return out;
  }

  // Stack: [..., i32 n]. Charges f(n) and leaves [..., n]
  // (kGasDynamicChargeInstructions instructions).
  ExprList DynamicCharge(Index scratch, ExprType op) {
    const bool per_page = op == ExprType::MemoryGrow;
    ExprList out;
    Add<wabt::LocalSetExpr>(&out, V(scratch));
    Add<wabt::GlobalGetExpr>(&out, V(gas_));
    Add<wabt::LocalGetExpr>(&out, V(scratch));
    Add<wabt::ConvertExpr>(&out, wabt::Opcode::I64ExtendI32U);
    if (per_page) {
      Add<wabt::ConstExpr>(&out, wabt::Const::I64(kGasPerGrowPage));
      Add<wabt::BinaryExpr>(&out, wabt::Opcode::I64Mul);
    } else {
      Add<wabt::ConstExpr>(&out, wabt::Const::I64(op == ExprType::MemoryFill
                                                      ? kFillBytesPerGasShift
                                                      : kCopyBytesPerGasShift));
      Add<wabt::BinaryExpr>(&out, wabt::Opcode::I64ShrU);
    }
    Add<wabt::BinaryExpr>(&out, wabt::Opcode::I64Sub);
    AddGasCheck(&out);
    Add<wabt::LocalGetExpr>(&out, V(scratch));
    assert(out.size() == kGasDynamicChargeInstructions);
    return out;
  }

  // Stack: [..., i64 new_gas]. Stores it, traps if negative.
  void AddGasCheck(ExprList* out) {
    Add<wabt::GlobalSetExpr>(out, V(gas_));
    Add<wabt::GlobalGetExpr>(out, V(gas_));
    Add<wabt::ConstExpr>(out, wabt::Const::I64(0));
    Add<wabt::CompareExpr>(out, wabt::Opcode::I64LtS);
    AddTrapIf(out);
  }

  // A structured list still to be instrumented. `label_depth` is the
  // relative depth of the function's wrapper block as seen from inside it.
  struct Pending {
    ExprList* list;
    Index label_depth;
  };

  // Instruments the instructions of `list` at its own level (returns become
  // branches, memory ops get their dynamic charge), queues the lists nested
  // in it, and returns its static cost: its own instructions, a nested
  // block/loop/if counting as one, plus the dynamic charges inserted.
  uint64_t InstrumentLevel(ExprList* list, Index label_depth, wabt::Func* f,
                           std::vector<Pending>* pending) {
    uint64_t cost = 0;
    for (auto it = list->begin(); it != list->end(); ++it) {
      ++cost;
      switch (it->type()) {
        case ExprType::Block:
        case ExprType::Loop:
          pending->push_back({&BlockOf(*it)->exprs, label_depth + 1});
          break;
        case ExprType::If: {
          auto* e = wabt::cast<wabt::IfExpr>(&*it);
          pending->push_back({&e->true_.exprs, label_depth + 1});
          pending->push_back({&e->false_, label_depth + 1});
          break;
        }
        case ExprType::Return: {
          auto br = std::make_unique<wabt::BrExpr>(V(label_depth));
          it = list->erase(it);
          it = list->insert(it, std::move(br));
          break;
        }
        case ExprType::MemoryGrow:
        case ExprType::MemoryFill:
        case ExprType::MemoryCopy:
        case ExprType::MemoryInit: {
          ExprList charge = DynamicCharge(Scratch(f), it->type());
          list->splice(it, charge);
          cost += kGasDynamicChargeInstructions;
          break;
        }
        default:
          break;
      }
    }
    return cost;
  }

  Index Scratch(wabt::Func* f) {
    if (scratch_ == wabt::kInvalidIndex) {
      scratch_ = f->GetNumParamsAndLocals();
      f->local_types.AppendDecl(Type::I32, 1);
    }
    return scratch_;
  }

  // Every nested segment starts with its charge; the function's own level
  // is charged at entry, together with the call's bookkeeping and its
  // locals (see gas.h). Iterative: nesting depth is bounded at deploy, but
  // the instrumenter does not need to rely on it.
  void InstrumentFunc(wabt::Func* f) {
    scratch_ = wabt::kInvalidIndex;
    std::vector<Pending> pending;
    const uint64_t body_cost = InstrumentLevel(&f->exprs, 0, f, &pending);
    while (!pending.empty()) {
      Pending p = pending.back();
      pending.pop_back();
      uint64_t cost = InstrumentLevel(p.list, p.label_depth, f, &pending);
      if (cost > 0) {
        ExprList charge = StaticCharge(cost + kGasChargeInstructions);
        p.list->splice(p.list->begin(), charge);
      }
    }
    // After Scratch(): the scratch local is zero-filled like the others.
    const uint64_t entry_cost = body_cost + kGasChargeInstructions +
                                kGasCallBookkeepingInstructions +
                                LocalsGas(f->GetNumLocals());

    auto wrapper = std::make_unique<wabt::BlockExpr>();
    wrapper->block.decl.sig.result_types = f->decl.sig.result_types;
    wrapper->block.exprs.splice(wrapper->block.exprs.end(), f->exprs);

    ExprList body = StaticCharge(entry_cost);
    const size_t before = body.size();
    Add<wabt::GlobalGetExpr>(&body, V(depth_));
    Add<wabt::ConstExpr>(&body, wabt::Const::I32(1));
    Add<wabt::BinaryExpr>(&body, wabt::Opcode::I32Add);
    Add<wabt::GlobalSetExpr>(&body, V(depth_));
    Add<wabt::GlobalGetExpr>(&body, V(depth_));
    Add<wabt::ConstExpr>(&body, wabt::Const::I32(max_call_depth_));
    Add<wabt::CompareExpr>(&body, wabt::Opcode::I32GtU);
    AddTrapIf(&body);
    body.push_back(std::move(wrapper));
    Add<wabt::GlobalGetExpr>(&body, V(depth_));
    Add<wabt::ConstExpr>(&body, wabt::Const::I32(1));
    Add<wabt::BinaryExpr>(&body, wabt::Opcode::I32Sub);
    Add<wabt::GlobalSetExpr>(&body, V(depth_));
    assert(body.size() - before == kGasCallBookkeepingInstructions);
    (void)before;
    f->exprs.splice(f->exprs.end(), body);
  }

  wabt::Module* m_;
  uint32_t max_call_depth_;
  Index gas_ = 0;
  Index depth_ = 0;
  Index scratch_ = wabt::kInvalidIndex;
};

absl::Status Validate(const wabt::Module& m, std::string_view stage) {
  wabt::Errors errors;
  if (wabt::Failed(wabt::ValidateModule(
          &m, &errors, wabt::ValidateOptions(ContractFeatures())))) {
    return absl::InvalidArgumentError(StrCat(
        stage, ": ",
        wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary)));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsReservedExportName(std::string_view name) {
  return name.starts_with("_") || name.starts_with("ballast_") ||
         name.starts_with("emscripten_") || name.starts_with("stack");
}

namespace {

absl::StatusOr<PreparedModule> Prepare(std::string_view wasm,
                                       const Limits& limits, bool floats) {
  if (wasm.size() > limits.max_code_bytes) {
    return Invalid(StrCat("code of ", wasm.size(),
                          " bytes exceeds the limit of ", limits.max_code_bytes,
                          " bytes"));
  }
  wabt::Features features = ContractFeatures();
  if (absl::Status s = ScanNesting(wasm, features, limits.max_control_nesting);
      !s.ok()) {
    return s;
  }
  wabt::Module module;
  wabt::Errors errors;
  wabt::ReadBinaryOptions read_options(features, nullptr,
                                       /*read_debug_names=*/true,
                                       /*stop_on_first_error=*/true,
                                       /*fail_on_custom_section_error=*/false);
  if (wabt::Failed(wabt::ReadBinaryIr("contract.wasm", wasm.data(), wasm.size(),
                                      read_options, &errors, &module))) {
    return Invalid(StrCat(
        "malformed module: ",
        wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary)));
  }
  if (absl::Status s = Validate(module, "invalid module"); !s.ok()) return s;

  PreparedModule out;
  if (absl::Status s = CheckImports(module); !s.ok()) return s;
  if (absl::Status s = CheckShape(module, limits, floats); !s.ok()) return s;
  if (absl::Status s = CheckExports(module, limits, &out); !s.ok()) return s;
  if (absl::Status s = CheckInstructions(module, floats); !s.ok()) return s;

  // Clamp the memory's maximum to the limit: memory.grow past it returns -1.
  wabt::Limits& pages = module.memories[0]->page_limits;
  if (pages.has_max) out.declared_max_memory_pages = pages.max;
  pages.max = pages.has_max
                  ? std::min<uint64_t>(pages.max, limits.max_memory_pages)
                  : limits.max_memory_pages;
  pages.has_max = true;

  Instrumenter(&module, limits.max_call_depth).Run();
  if (absl::Status s = Validate(module, "instrumented module"); !s.ok()) {
    return absl::InternalError(StrCat("instrumenter bug: ", s.message()));
  }

  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options(features, /*canonicalize_lebs=*/true,
                                         /*relocatable=*/false,
                                         /*write_debug_names=*/true);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &module, write_options))) {
    return absl::InternalError("instrumenter bug: writing the module failed");
  }
  const std::vector<uint8_t>& data = stream.output_buffer().data;
  out.code.assign(data.begin(), data.end());
  out.instrumenter_version = kInstrumenterVersion;
  return out;
}

}  // namespace

absl::StatusOr<PreparedModule> PrepareModule(std::string_view wasm,
                                             const Limits& limits) {
  return Prepare(wasm, limits, /*floats=*/false);
}

absl::StatusOr<PreparedModule> PrepareModuleWithFloatsForTesting(
    std::string_view wasm, const Limits& limits) {
  return Prepare(wasm, limits, /*floats=*/true);
}

}  // namespace ballast::wasm
