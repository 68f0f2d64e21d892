#include "node/thread_stacks.h"

#include <pthread.h>

#include <cstring>

#include "ledger/base/strings.h"

namespace ballast::node {

size_t ContractThreadStackBytes(const wasm::CompiledEngineOptions& options) {
  return 2 * wasm::NativeStackPerLevel(options);
}

absl::Status SizeThreadStacksForContracts(
    const wasm::CompiledEngineOptions& options) {
  pthread_attr_t attr;
  if (int e = pthread_getattr_default_np(&attr); e != 0) {
    return absl::InternalError(
        StrCat("reading the default thread attributes: ", std::strerror(e)));
  }
  size_t current = 0;
  pthread_attr_getstacksize(&attr, &current);
  const size_t wanted = ContractThreadStackBytes(options);
  int e = 0;
  if (current < wanted) {
    e = pthread_attr_setstacksize(&attr, wanted);
    if (e == 0) e = pthread_setattr_default_np(&attr);
  }
  pthread_attr_destroy(&attr);
  if (e != 0) {
    return absl::InternalError(StrCat("setting a thread stack of ", wanted,
                                      " bytes: ", std::strerror(e)));
  }
  return absl::OkStatus();
}

}  // namespace ballast::node
