// Lets Jazzer.js 2.1.0's addon run on stock libFuzzer (LLVM 14, as Debian ships it) instead of
// Jazzer's fork of it, which its CMake build downloads from GitHub (not reachable here). The fork
// adds three things the addon calls; each is mapped onto what stock libFuzzer has:
//   - libfuzzer::PrintCrashingInput (set by the fork's driver): stock's crash callback, which
//     prints the stats, writes the crash-<sha1> artifact and exits;
//   - __sanitizer_cov_trace_const_cmp8_with_pc / __sanitizer_cov_trace_pc_indir_with_pc (a JS
//     comparison's or call's id passed as its PC): the stock hooks, which take the caller's PC,
//     so JS comparisons share one PC in the value profile; the compared values still reach the
//     mutator's table of recent comparisons (what lets it guess magic numbers).
#include <cstdint>

namespace fuzzer {
class Fuzzer {
public:
  static void StaticCrashSignalCallback();
};
} // namespace fuzzer

namespace libfuzzer {
extern void (*PrintCrashingInput)();
}

__attribute__((constructor)) static void useStockCrashCallback() {
  libfuzzer::PrintCrashingInput = &fuzzer::Fuzzer::StaticCrashSignalCallback;
}

extern "C" {
void __sanitizer_cov_trace_cmp8(uint64_t Arg1, uint64_t Arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t Callee);

void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t Arg1, uint64_t Arg2) {
  __sanitizer_cov_trace_cmp8(Arg1, Arg2);
}
void __sanitizer_cov_trace_pc_indir_with_pc(void *, uintptr_t Callee) {
  __sanitizer_cov_trace_pc_indir(Callee);
}
}
