/* The wasm2c runtime every compiled contract is linked with, in place of
 * wabt 1.0.32's wasm-rt-impl.c, whose trap buffer, unwind target and type
 * registry are process globals and which installs a SIGSEGV handler. Here:
 *
 * - traps longjmp to the innermost brt_guarded frame of THIS thread (a
 *   per-thread stack of frames, so nested contract calls and concurrent
 *   threads each unwind to their own caller). The stack's top lives in the
 *   node, in a thread-local of the engine that it hands over at init
 *   (brt_set_frame_slot): the object has no thread-local storage of its
 *   own, which in a dlopen'ed object is a block per thread and object, and
 *   which the sanitizers' __tls_get_addr interceptor (GCC 12) misreads at
 *   random, crashing LeakSanitizer at exit;
 * - memory accesses are bounds-checked in the generated code
 *   (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0): no guard pages, no signal handler;
 * - call depth is bounded by the instrumentation (prepare.h), not here
 *   (WASM_RT_USE_STACK_DEPTH_COUNT=0, whose counter is a process global);
 * - an allocation failure traps with BRT_TRAP_NOMEM, which the engine
 *   reports as the node's failure, never the contract's.
 *
 * Compiled into each contract's shared object (never into the node), so its
 * statics are per object. It is embedded in the node as a string
 * (wasm/CMakeLists.txt) and written next to the generated C. */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wasm-rt.h"

#if WASM_RT_MEMCHECK_SIGNAL_HANDLER || WASM_RT_USE_STACK_DEPTH_COUNT
#error "build with -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DWASM_RT_USE_STACK_DEPTH_COUNT=0"
#endif

#define BRT_PAGE 65536u
#define BRT_TRAP_HOST 100
#define BRT_TRAP_NOMEM 101

typedef struct brt_frame {
  jmp_buf jmp;
  struct brt_frame* outer;
} brt_frame;

/* The calling thread's innermost frame, as a slot of the node's. */
static void** (*brt_frame_slot)(void);

void brt_set_frame_slot(void** (*slot)(void)) { brt_frame_slot = slot; }

void wasm_rt_trap(wasm_rt_trap_t code) {
  brt_frame* f = brt_frame_slot ? (brt_frame*)*brt_frame_slot() : NULL;
  if (!f) abort(); /* a trap outside brt_guarded: a bug in the glue */
  longjmp(f->jmp, (int)code);
}

void brt_trap_host(void) { wasm_rt_trap((wasm_rt_trap_t)BRT_TRAP_HOST); }

/* Runs fn(arg); returns 0, or the code of the trap that ended it. */
int brt_guarded(void (*fn)(void*), void* arg) {
  void** top = brt_frame_slot();
  brt_frame f;
  f.outer = *top;
  *top = &f;
  int code = setjmp(f.jmp);
  if (code == 0) fn(arg);
  *top = f.outer;
  return code;
}

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

/* Function types, interned: call_indirect compares ids. Written only by the
 * module's init (once per object, under pthread_once in the glue); the
 * mutex keeps it safe regardless. */
typedef struct {
  uint32_t params, results;
  wasm_rt_type_t* types; /* params + results */
} brt_func_type;

static pthread_mutex_t brt_types_mu = PTHREAD_MUTEX_INITIALIZER;
static brt_func_type* brt_types;
static uint32_t brt_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint32_t n = params + results;
  wasm_rt_type_t* types = malloc((n ? n : 1) * sizeof *types);
  if (!types) wasm_rt_trap((wasm_rt_trap_t)BRT_TRAP_NOMEM);
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < n; ++i) types[i] = (wasm_rt_type_t)va_arg(ap, int);
  va_end(ap);
  pthread_mutex_lock(&brt_types_mu);
  uint32_t id = 0;
  for (uint32_t i = 0; i < brt_type_count && id == 0; ++i) {
    const brt_func_type* t = &brt_types[i];
    if (t->params == params && t->results == results &&
        memcmp(t->types, types, n * sizeof *types) == 0) {
      id = i + 1;
    }
  }
  if (id == 0) {
    brt_func_type* grown =
        realloc(brt_types, (brt_type_count + 1) * sizeof *brt_types);
    if (grown) {
      brt_types = grown;
      brt_types[brt_type_count] = (brt_func_type){params, results, types};
      id = ++brt_type_count;
      types = NULL;
    }
  }
  pthread_mutex_unlock(&brt_types_mu);
  free(types);
  if (id == 0) wasm_rt_trap((wasm_rt_trap_t)BRT_TRAP_NOMEM);
  return id;
}

/* The registry lives as long as the object: freed when it is unloaded. */
__attribute__((destructor)) static void brt_free_func_types(void) {
  for (uint32_t i = 0; i < brt_type_count; ++i) free(brt_types[i].types);
  free(brt_types);
  brt_types = NULL;
  brt_type_count = 0;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint32_t initial,
                             uint32_t max) {
  /* +1: a valid pointer even for zero pages. */
  m->data = calloc((size_t)initial * BRT_PAGE + 1, 1);
  if (!m->data) wasm_rt_trap((wasm_rt_trap_t)BRT_TRAP_NOMEM);
  m->pages = initial;
  m->max_pages = max;
  m->size = initial * BRT_PAGE;
}

/* The old size in pages, or UINT32_MAX (wasm's -1) past the maximum, which
 * PrepareModule has clamped to Limits::max_memory_pages. */
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* m, uint32_t delta) {
  uint32_t old = m->pages;
  uint64_t pages = (uint64_t)old + delta;
  if (pages > m->max_pages || pages > 65536) return UINT32_MAX;
  if (delta == 0) return old;
  uint8_t* data = realloc(m->data, (size_t)pages * BRT_PAGE + 1);
  if (!data) wasm_rt_trap((wasm_rt_trap_t)BRT_TRAP_NOMEM);
  memset(data + (size_t)old * BRT_PAGE, 0, (size_t)delta * BRT_PAGE);
  m->data = data;
  m->pages = (uint32_t)pages;
  m->size = (uint32_t)(pages * BRT_PAGE);
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* m) {
  free(m->data);
  m->data = NULL;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* t,
                                    uint32_t elements, uint32_t max) {
  t->data = calloc(elements ? elements : 1, sizeof(wasm_rt_funcref_t));
  if (!t->data) wasm_rt_trap((wasm_rt_trap_t)BRT_TRAP_NOMEM);
  t->size = elements;
  t->max_size = max;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* t) {
  free(t->data);
  t->data = NULL;
}
