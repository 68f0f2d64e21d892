#include "wasm/compiled/compiled_engine.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "wasm-rt.h"
#include "wasm/compiled/c_source.h"
#include "wasm/compiled/compiled_abi.h"
#include "wasm/compiled/compiler.h"
#include "wasm/compiled/object_cache.h"
#include "wasm/trap.h"
#include "wasm/wabt_engine.h"

namespace ballast::wasm {
namespace {

// The runtime and the ABI header, embedded at build time
// (wasm/CMakeLists.txt): kRuntimeSource, kAbiHeader.
#include "embedded_sources.inc"

// The calling thread's innermost guarded frame of compiled code, for every
// object (compiled_abi.h, init): a thread-local here, in the node's static
// TLS, so that objects need none of their own.
void** FrameSlot() {
  thread_local void* top = nullptr;
  return &top;
}

// Stack kept free below a compiled call for the glue, the host functions
// and the C++ runtime frames of this contract level.
constexpr size_t kStackReserve = size_t{256} << 10;

// A loaded shared object: dlclosed when the last module and instance that
// use it are gone.
struct LoadedObject {
  void* handle = nullptr;
  // The memory file it was loaded from, open while it is loaded: dlopen
  // knows objects by path, and a path /proc/self/fd/N reused by a later
  // object would return this one.
  int fd = -1;
  const ballast_contract_v1* entry = nullptr;
  absl::flat_hash_map<std::string, uint32_t> methods;  // name -> index
  uint32_t initial_pages = 0;
  size_t stack_need = 0;  // bytes of native stack a call may use
  size_t object_bytes = 0;

  ~LoadedObject() {
    if (handle != nullptr) dlclose(handle);
    if (fd >= 0) close(fd);
  }
};

std::optional<TrapKind> KindOfCode(int code) {
  switch (code) {
    case WASM_RT_TRAP_OOB:
      return TrapKind::kOutOfBounds;
    case WASM_RT_TRAP_INT_OVERFLOW:
      return TrapKind::kIntegerOverflow;
    case WASM_RT_TRAP_DIV_BY_ZERO:
      return TrapKind::kDivideByZero;
    case WASM_RT_TRAP_UNREACHABLE:
      return TrapKind::kUnreachable;
    case WASM_RT_TRAP_CALL_INDIRECT:
      return TrapKind::kIndirectCall;
    default:
      return std::nullopt;  // floats and exceptions are refused at deploy
  }
}

class NativeInstance final : public Instance {
 public:
  NativeInstance(std::shared_ptr<const LoadedObject> object,
                 HostDispatcher* host)
      : object_(std::move(object)), host_(host) {}
  ~NativeInstance() override {
    if (instance_ != nullptr) object_->entry->free_instance(instance_);
  }

  absl::Status Init() {
    int trap = 0;
    instance_ = object_->entry->instantiate(&Trampoline, this, &trap);
    if (instance_ == nullptr || trap == BALLAST_TRAP_NOMEM) {
      return absl::InternalError("compiled engine: out of memory");
    }
    if (trap != 0) {
      // Only an active segment that does not fit can trap here.
      return InstantiationTrapStatus(TrapKind::kSegmentOutOfBounds);
    }
    gas_ = object_->entry->gas(instance_);
    depth_ = object_->entry->depth(instance_);
    return absl::OkStatus();
  }

  absl::Status Call(std::string_view name) override {
    auto it = object_->methods.find(ToAbsl(name));
    if (it == object_->methods.end()) {
      return absl::NotFoundError(StrCat("no exported function '", name, "'"));
    }
    int code = object_->entry->call(instance_, it->second);
    if (code == 0) return absl::OkStatus();
    if (code == BALLAST_TRAP_HOST && host_error_.has_value()) {
      absl::Status s = std::move(*host_error_);
      host_error_.reset();
      return s;
    }
    if (code == BALLAST_TRAP_NOMEM) {
      return absl::InternalError("compiled engine: out of memory");
    }
    std::optional<TrapKind> kind = KindOfCode(code);
    if (!kind.has_value()) {
      return absl::InternalError(
          StrCat("compiled engine: unrecognised trap code ", code));
    }
    return TrapStatus(*kind);
  }

  absl::Span<uint8_t> Memory() override {
    ballast_memory_view* m = object_->entry->memory(instance_);
    return absl::MakeSpan(m->data, m->size);
  }
  int64_t Gas() const override { return gas_ ? *gas_ : INT64_MAX; }
  void SetGas(int64_t gas) override {
    if (gas_) *gas_ = gas;
  }
  uint32_t Depth() const override { return depth_ ? *depth_ : 0; }
  void ExhaustGasFromOtherThread() override {
    // The same benign race as the interpreter's (engine.h); the counter is
    // volatile in the compiled code, which reloads it at every charge.
    if (gas_ && *gas_ > 0) *gas_ = 0;
  }

 private:
  // Called from the glue; never lets an exception or a longjmp cross it: a
  // failure is kept and reported as nonzero, and the glue then traps.
  static int Trampoline(void* ctx, int index, const uint64_t* args,
                        uint32_t nargs, uint64_t* result) noexcept {
    auto* self = static_cast<NativeInstance*>(ctx);
    try {
      absl::Status s = self->host_->Invoke(
          index, *self, absl::MakeConstSpan(args, nargs), result);
      if (s.ok()) return 0;
      self->host_error_ = std::move(s);
    } catch (...) {
      self->host_error_ =
          absl::InternalError("compiled engine: a host function threw");
    }
    return 1;
  }

  std::shared_ptr<const LoadedObject> object_;
  HostDispatcher* host_;
  void* instance_ = nullptr;
  volatile int64_t* gas_ = nullptr;
  uint32_t* depth_ = nullptr;
  std::optional<absl::Status> host_error_;
};

class NativeModule final : public CompiledModule {
 public:
  NativeModule(std::shared_ptr<const LoadedObject> object,
               std::shared_ptr<const CompiledModule> interpreted)
      : object_(std::move(object)), interpreted_(std::move(interpreted)) {}

  absl::StatusOr<std::unique_ptr<Instance>> Instantiate(
      HostDispatcher* host) const override {
    // Deep recursion must fit this thread's stack; if it might not, the
    // interpreter (whose wasm frames live on the heap) runs the call.
    if (RemainingNativeStack() < object_->stack_need + kStackReserve) {
      return interpreted_->Instantiate(host);
    }
    auto instance = std::make_unique<NativeInstance>(object_, host);
    if (absl::Status s = instance->Init(); !s.ok()) return s;
    return instance;
  }
  uint32_t InitialMemoryPages() const override {
    return object_->initial_pages;
  }
  size_t MemoryBytes() const override {
    return interpreted_->MemoryBytes() + object_->object_bytes;
  }

 private:
  std::shared_ptr<const LoadedObject> object_;
  std::shared_ptr<const CompiledModule> interpreted_;
};

absl::Status WriteCompileFile(const std::filesystem::path& path,
                              std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return absl::InternalError(StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadCompileFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path.string()));
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

// The largest native frame of the object, from gcc's .su files ("file:line:
// col:function<TAB>bytes<TAB>static|dynamic|dynamic,bounded"). Refuses an
// unbounded frame.
absl::StatusOr<size_t> LargestFrame(const std::filesystem::path& dir) {
  size_t largest = 0;
  bool any = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".su") continue;
    absl::StatusOr<std::string> text = ReadCompileFile(entry.path());
    if (!text.ok()) return text.status();
    std::vector<std::string> lines =
        absl::StrSplit(*text, '\n', absl::SkipEmpty());
    for (const std::string& line : lines) {
      std::vector<std::string> fields = absl::StrSplit(line, '\t');
      if (fields.size() != 3) {
        return absl::InternalError(StrCat("stack usage: bad line: ", line));
      }
      if (fields[2] == "dynamic") {
        return absl::FailedPreconditionError(
            StrCat("stack usage: unbounded frame: ", fields[0]));
      }
      size_t bytes = 0;
      if (!absl::SimpleAtoi(fields[1], &bytes)) {
        return absl::InternalError(StrCat("stack usage: bad line: ", line));
      }
      largest = std::max(largest, bytes);
      any = true;
    }
  }
  if (!any) return absl::InternalError("stack usage: no .su files");
  return largest;
}

// dlopen of exactly these bytes: they go to an anonymous memory file first,
// so what is loaded is what was checked, whatever happens on disk. Sets
// object->handle and object->fd (which must stay open while it is loaded).
absl::Status LoadFromMemory(std::string_view bytes, LoadedObject* object) {
  int fd = memfd_create("ballast-contract", MFD_CLOEXEC);
  if (fd < 0) return absl::InternalError("memfd_create failed");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      close(fd);
      return absl::InternalError("cannot write the object to memory");
    }
    done += static_cast<size_t>(n);
  }
  std::string path = StrCat("/proc/self/fd/", fd);
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    close(fd);
    const char* error = dlerror();
    return absl::InternalError(StrCat("dlopen: ", error ? error : "failed"));
  }
  object->handle = handle;
  object->fd = fd;
  return absl::OkStatus();
}

class CompileDir {
 public:
  explicit CompileDir(std::string path) : path_(std::move(path)) {}
  ~CompileDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The compiler's arguments after the engine's cflags: a shared object of
// the generated C, its glue and our runtime, with bounds checks and no
// signal handler, every symbol bound at load (-z now, --no-undefined), and
// a .su file of each function's frame. libm serves wasm2c's floating-point
// helpers (contracts have none; the engines' differential tests do).
constexpr const char* kFixedFlags[] = {"-fPIC",
                                       "-shared",
                                       "-fvisibility=hidden",
                                       "-DNDEBUG",
                                       "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0",
                                       "-DWASM_RT_USE_STACK_DEPTH_COUNT=0",
                                       "-fstack-usage",
                                       "-g0",
                                       "-w",
                                       "-Wl,--no-undefined",
                                       "-Wl,-z,now",
                                       "-I.",
                                       "c.c",
                                       "glue.c",
                                       "ballast_rt.c",
                                       "-lm",
                                       "-o",
                                       "c.so"};

void StderrWarning(std::string_view line) {
  fprintf(stderr, "compiled engine: %.*s\n", static_cast<int>(line.size()),
          line.data());
}

// The options with their defaults filled in: the warning sink and the
// work dir. Nothing is created on disk until the first compile.
CompiledEngineOptions WithDefaults(CompiledEngineOptions options) {
  if (options.work_dir.empty() && !options.cache_dir.empty()) {
    options.work_dir = options.cache_dir + "/work";
  }
  if (options.work_dir.empty()) {
    const char* tmp = getenv("TMPDIR");
    options.work_dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  if (!options.warn) options.warn = StderrWarning;
  return options;
}

class NativeEngine final : public Engine {
 public:
  explicit NativeEngine(CompiledEngineOptions options)
      : options_(WithDefaults(std::move(options))),
        interpreter_(NewWabtInterpreterEngine()),
        cache_(options_.cache_dir.empty()
                   ? nullptr
                   : std::make_unique<ObjectCache>(options_.cache_dir,
                                                   options_.cache_bytes)) {}

  std::string_view Name() const override { return "wasm2c"; }

  // Kills a compile in progress, and every later one, which then fall back
  // to the interpreter without a warning (the node is stopping).
  void Cancel() { cancel_.store(true, std::memory_order_relaxed); }

  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::string_view code) const override {
    // The interpreter's module: the fallback, and what a call runs when the
    // native stack is short. Its errors are the engine's errors.
    absl::StatusOr<std::shared_ptr<const CompiledModule>> interpreted =
        interpreter_->Compile(code);
    if (!interpreted.ok()) return interpreted.status();
    std::string key = Sha256(code);
    absl::MutexLock lock(&mu_);  // one compile at a time
    if (failed_.contains(key)) return interpreted;
    std::shared_ptr<const LoadedObject> object;
    if (auto it = loaded_.find(key); it != loaded_.end()) {
      object = it->second.lock();
    }
    if (object == nullptr) {
      absl::StatusOr<std::shared_ptr<const LoadedObject>> built = Build(code);
      if (absl::IsCancelled(built.status())) return interpreted;
      if (!built.ok()) {
        options_.warn(
            StrCat("code ", ToHex(key).substr(0, 16),
                   " stays in the interpreter: ", built.status().message()));
        if (failed_.size() >= kMaxRemembered) failed_.clear();
        failed_.insert(key);
        return interpreted;
      }
      object = *std::move(built);
      if (loaded_.size() >= kMaxRemembered) Prune();
      loaded_[key] = object;
    }
    return std::shared_ptr<const CompiledModule>(
        std::make_shared<NativeModule>(object, *std::move(interpreted)));
  }

 private:
  static constexpr size_t kMaxRemembered = 4096;

  void Prune() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (auto it = loaded_.begin(); it != loaded_.end();) {
      if (it->second.expired()) {
        loaded_.erase(it++);
      } else {
        ++it;
      }
    }
  }

  absl::StatusOr<std::shared_ptr<const LoadedObject>> Build(
      std::string_view code) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::StatusOr<CSource> source =
        GenerateCSource(code, options_.max_c_source_bytes);
    if (!source.ok()) return source.status();

    const std::string& base = options_.work_dir;
    if (!work_dir_ready_) {
      // The cache's own work dir holds only what a compile cut short by a
      // crash left behind: emptied before the first compile.
      std::error_code ignored;
      if (options_.work_dir == options_.cache_dir + "/work") {
        std::filesystem::remove_all(base, ignored);
      }
      std::filesystem::create_directories(base, ignored);
      work_dir_ready_ = true;
    }
    std::string pattern = base + "/ballast-cc-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(StrCat("cannot create a directory in ", base));
    }
    CompileDir dir(pattern);
    std::filesystem::path d(dir.path());

    // A cached object made from exactly this C by this compiler.
    std::string cache_key;
    std::unique_ptr<ObjectCache::KeyLock> key_lock;  // held until Put
    if (cache_ != nullptr) {
      absl::StatusOr<std::string> identity = CompilerIdentity(dir.path());
      if (identity.ok()) {
        cache_key = ToHex(Sha256(
            StrCat("ballast/compiled-object\n", *identity, "\n",
                   absl::StrJoin(options_.cflags, " "), "\n",
                   absl::StrJoin(kFixedFlags, " "), "\n", Sha256(source->c),
                   Sha256(source->h), Sha256(source->glue),
                   Sha256(kRuntimeSource), Sha256(kAbiHeader))));
        absl::StatusOr<std::unique_ptr<ObjectCache::KeyLock>> locked =
            cache_->LockKey(cache_key, cancel_);
        if (absl::IsCancelled(locked.status())) return locked.status();
        if (locked.ok()) key_lock = *std::move(locked);
        std::string problem;
        std::optional<ObjectCache::Entry> hit =
            cache_->Get(cache_key, &problem);
        if (!problem.empty()) options_.warn(problem);
        if (hit.has_value()) {
          absl::StatusOr<std::shared_ptr<const LoadedObject>> loaded =
              Load(code, *source, hit->object, hit->largest_frame);
          if (loaded.ok()) return loaded;
          options_.warn(StrCat("cached object ", cache_key.substr(0, 16),
                               " not loaded: ", loaded.status().message()));
        }
      }
    }

    for (const auto& [name, text] :
         std::initializer_list<std::pair<const char*, std::string_view>>{
             {"c.c", source->c},
             {"c.h", source->h},
             {"glue.c", source->glue},
             {"ballast_rt.c", kRuntimeSource},
             {"compiled_abi.h", kAbiHeader}}) {
      if (absl::Status s = WriteCompileFile(d / name, text); !s.ok()) return s;
    }
    CompilerRun run;
    run.program = options_.cc;
    run.dir = dir.path();
    run.cancel = &cancel_;
    run.args = options_.cflags;
    for (const char* flag : kFixedFlags) run.args.push_back(flag);
    CompilerLimits limits;
    limits.timeout = options_.compile_timeout;
    limits.memory_bytes = options_.compile_memory_bytes;
    limits.low_priority = options_.compile_low_priority;
    if (absl::Status s = RunCompiler(run, limits); !s.ok()) return s;

    absl::StatusOr<size_t> frame = LargestFrame(d);
    if (!frame.ok()) return frame.status();
    if (*frame > options_.max_frame_bytes) {
      return absl::FailedPreconditionError(StrCat("a native frame of ", *frame,
                                                  " bytes, over the limit of ",
                                                  options_.max_frame_bytes));
    }
    absl::StatusOr<std::string> bytes = ReadCompileFile(d / "c.so");
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<std::shared_ptr<const LoadedObject>> loaded =
        Load(code, *source, *bytes, *frame);
    if (loaded.ok() && !cache_key.empty()) {
      if (absl::Status s = cache_->Put(cache_key, {*std::move(bytes), *frame});
          !s.ok()) {
        options_.warn(StrCat("cannot cache an object: ", s.message()));
      }
    }
    return loaded;
  }

  // "gcc (version) target": part of the cache key, found once.
  absl::StatusOr<std::string> CompilerIdentity(const std::string& dir) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (compiler_identity_.empty()) {
      CompilerRun run{options_.cc, {"-dumpfullversion", "-dumpmachine"}, dir};
      run.cancel = &cancel_;
      CompilerLimits limits;
      limits.timeout = absl::Seconds(30);
      if (absl::Status s = RunCompiler(run, limits); !s.ok()) return s;
      absl::StatusOr<std::string> out =
          ReadCompileFile(std::filesystem::path(dir) / "compiler.log");
      if (!out.ok()) return out.status();
      compiler_identity_ = StrCat(options_.cc, " ", *out);
    }
    return compiler_identity_;
  }

  // Loads `bytes`, the object compiled from `source`, and checks that it is.
  absl::StatusOr<std::shared_ptr<const LoadedObject>> Load(
      std::string_view code, const CSource& source, std::string_view bytes,
      size_t frame) const {
    auto object = std::make_shared<LoadedObject>();
    if (absl::Status s = LoadFromMemory(bytes, object.get()); !s.ok()) {
      return s;
    }
    using EntryFn = const ballast_contract_v1* (*)();
    auto entry_fn =
        reinterpret_cast<EntryFn>(dlsym(object->handle, "ballast_contract_v1"));
    object->entry = entry_fn != nullptr ? entry_fn() : nullptr;
    if (object->entry == nullptr ||
        object->entry->abi_version != BALLAST_COMPILED_ABI_VERSION ||
        object->entry->method_count != source.methods.size() ||
        object->entry->code_sha256 == nullptr ||
        std::string_view(object->entry->code_sha256) != ToHex(Sha256(code))) {
      return absl::InternalError("the object's entry point does not match");
    }
    if (int trap = object->entry->init(&FrameSlot); trap != 0) {
      return absl::InternalError(StrCat("the module's init trapped: ", trap));
    }
    for (uint32_t i = 0; i < source.methods.size(); ++i) {
      object->methods.emplace(source.methods[i], i);
    }
    object->initial_pages = source.initial_pages;
    object->stack_need = (size_t{options_.max_call_depth} + 2) * frame;
    object->object_bytes = bytes.size();
    return std::shared_ptr<const LoadedObject>(std::move(object));
  }

  CompiledEngineOptions options_;
  std::unique_ptr<Engine> interpreter_;
  std::atomic<bool> cancel_{false};
  mutable absl::Mutex mu_;
  std::unique_ptr<ObjectCache> cache_ ABSL_PT_GUARDED_BY(mu_);
  mutable std::string compiler_identity_ ABSL_GUARDED_BY(mu_);
  mutable bool work_dir_ready_ ABSL_GUARDED_BY(mu_) = false;
  mutable absl::flat_hash_map<std::string, std::weak_ptr<const LoadedObject>>
      loaded_ ABSL_GUARDED_BY(mu_);
  mutable absl::flat_hash_set<std::string> failed_ ABSL_GUARDED_BY(mu_);
};

// One module's progress towards compiled code, shared by every TieredModule
// of the same code (the runtime may evict and reload it).
struct TierState {
  explicit TierState(std::string c) : code(std::move(c)) {}
  const std::string code;
  std::atomic<uint32_t> instantiations{0};
  std::atomic<bool> queued{false};
  std::atomic<std::shared_ptr<const CompiledModule>> native;
};

// The background compiler of a tiered engine: one thread, one compile at a
// time, a bounded queue. Shared with the modules, which may outlive the
// engine; after Stop nothing more is queued.
class TierQueue {
 public:
  explicit TierQueue(CompiledEngineOptions options)
      : engine_(options), warn_(options.warn ? options.warn : StderrWarning) {
    thread_ = std::thread([this] { Work(); });
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    engine_.Cancel();
    if (thread_.joinable()) thread_.join();
  }

  void Enqueue(const std::shared_ptr<TierState>& state) {
    if (state->queued.exchange(true)) return;
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (queue_.size() >= kMaxQueued) {
      warn_("compile queue full: a module stays in the interpreter");
      return;
    }
    queue_.push_back(state);
  }

 private:
  static constexpr size_t kMaxQueued = 64;

  void Work() {
    while (true) {
      std::shared_ptr<TierState> state;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](TierQueue* q) { return q->stopping_ || !q->queue_.empty(); },
            this));
        if (stopping_) return;
        state = queue_.front().lock();
        queue_.pop_front();
      }
      if (state == nullptr) continue;  // no module holds it any more
      absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
          engine_.Compile(state->code);
      if (module.ok() && RunsNativeCode(**module)) {
        state->native.store(*std::move(module), std::memory_order_release);
      }
    }
  }

  NativeEngine engine_;
  std::function<void(std::string_view)> warn_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::weak_ptr<TierState>> queue_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

class TieredModule final : public CompiledModule {
 public:
  TieredModule(std::shared_ptr<const CompiledModule> interpreted,
               std::shared_ptr<TierState> state,
               std::shared_ptr<TierQueue> queue, uint32_t compile_after)
      : interpreted_(std::move(interpreted)),
        state_(std::move(state)),
        queue_(std::move(queue)),
        compile_after_(compile_after) {}

  absl::StatusOr<std::unique_ptr<Instance>> Instantiate(
      HostDispatcher* host) const override {
    // Both tiers give the same results, so a call may switch at any
    // instantiation, also in the middle of a block.
    if (auto native = state_->native.load(std::memory_order_acquire)) {
      return native->Instantiate(host);
    }
    if (state_->instantiations.fetch_add(1, std::memory_order_relaxed) + 1 >=
        compile_after_) {
      queue_->Enqueue(state_);
    }
    return interpreted_->Instantiate(host);
  }
  uint32_t InitialMemoryPages() const override {
    return interpreted_->InitialMemoryPages();
  }
  size_t MemoryBytes() const override {
    auto native = state_->native.load(std::memory_order_acquire);
    return native ? native->MemoryBytes() : interpreted_->MemoryBytes();
  }
  bool native() const {
    return state_->native.load(std::memory_order_acquire) != nullptr;
  }

 private:
  std::shared_ptr<const CompiledModule> interpreted_;
  std::shared_ptr<TierState> state_;
  std::shared_ptr<TierQueue> queue_;
  uint32_t compile_after_;
};

class TieredEngine final : public Engine {
 public:
  explicit TieredEngine(CompiledEngineOptions options)
      : compile_after_(options.compile_after_calls),
        interpreter_(NewWabtInterpreterEngine()),
        queue_(std::make_shared<TierQueue>(std::move(options))) {}
  ~TieredEngine() override { queue_->Stop(); }

  std::string_view Name() const override { return "tiered"; }

  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::string_view code) const override {
    absl::StatusOr<std::shared_ptr<const CompiledModule>> interpreted =
        interpreter_->Compile(code);
    if (!interpreted.ok()) return interpreted.status();
    std::shared_ptr<TierState> state;
    {
      absl::MutexLock lock(&mu_);
      std::string key = Sha256(code);
      auto& slot = states_[key];
      state = slot.lock();
      if (state == nullptr) {
        state = std::make_shared<TierState>(std::string(code));
        slot = state;
      }
      if (states_.size() > kMaxStates) {
        for (auto it = states_.begin(); it != states_.end();) {
          if (it->second.expired()) {
            states_.erase(it++);
          } else {
            ++it;
          }
        }
      }
    }
    if (compile_after_ == 0) queue_->Enqueue(state);
    return std::shared_ptr<const CompiledModule>(std::make_shared<TieredModule>(
        *std::move(interpreted), std::move(state), queue_, compile_after_));
  }

 private:
  static constexpr size_t kMaxStates = 4096;

  uint32_t compile_after_;
  std::unique_ptr<Engine> interpreter_;
  std::shared_ptr<TierQueue> queue_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, std::weak_ptr<TierState>> states_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace

size_t NativeStackPerLevel(const CompiledEngineOptions& options) {
  return (size_t{options.max_call_depth} + 2) * options.max_frame_bytes +
         kStackReserve;
}

size_t RemainingNativeStack() {
  // The lowest address of this thread's stack, found once per thread.
  thread_local const uintptr_t low = [] {
    pthread_attr_t attr;
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &addr, &size);
      pthread_attr_destroy(&attr);
    }
    return reinterpret_cast<uintptr_t>(addr);
  }();
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  return low != 0 && here > low ? here - low : 0;
}

std::unique_ptr<Engine> NewCompiledEngine(CompiledEngineOptions options) {
  return std::make_unique<NativeEngine>(std::move(options));
}

std::unique_ptr<Engine> NewTieredEngine(CompiledEngineOptions options) {
  return std::make_unique<TieredEngine>(std::move(options));
}

absl::StatusOr<std::unique_ptr<Engine>> NewEngine(
    std::string_view name, CompiledEngineOptions options) {
  if (name == "interp") return NewWabtInterpreterEngine();
  if (name == "compiled") return NewCompiledEngine(std::move(options));
  if (name == "auto") return NewTieredEngine(std::move(options));
  return absl::InvalidArgumentError(
      StrCat("unknown engine '", name, "' (interp, compiled or auto)"));
}

bool RunsNativeCode(const CompiledModule& module) {
  if (auto* tiered = dynamic_cast<const TieredModule*>(&module)) {
    return tiered->native();
  }
  return dynamic_cast<const NativeModule*>(&module) != nullptr;
}

}  // namespace ballast::wasm
